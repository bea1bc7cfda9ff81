-- string.rep of the empty string a huge number of times: the result is empty, so the memory
-- cap never triggers, and a plain string.rep would loop inside C, where the count hook never
-- fires. The sandbox's string.rep returns "" at once; the error below proves it returned.
return function(v)
  local s = string.rep("", 1 << 50)
  error("string.rep returned " .. #s .. " bytes")
end
