-- A custom method that grows a table until memory runs out.
return function(v)
  local t = {}
  while true do t[#t + 1] = { #t } end
end
