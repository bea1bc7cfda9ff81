-- A custom method that returns something other than a share in [0, 1]: '0.5'.
return function(v)
  return '0.5'
end
