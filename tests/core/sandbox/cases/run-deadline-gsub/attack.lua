-- In a custom method: gsub with a pattern without a quantifier (subject x pattern; the old pre-check let it through); issue 13 §1. Must end at the call deadline.
return function(v)
  local s, p = ('a'):rep(2e7), ('a'):rep(1e5) .. 'b'
  while true do local x = s:gsub(p, 'x') end
  return 1
end
