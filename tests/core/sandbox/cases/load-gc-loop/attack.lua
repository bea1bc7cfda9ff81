-- At load time: a finalizer that loops; it runs, with hooks off, at some collection or when
-- the state is closed.
setmetatable({}, { __gc = function() while true do end end })
