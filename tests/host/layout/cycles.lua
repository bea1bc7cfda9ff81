-- cycles.lua — the host's files call one another one way only: no circle of calls between
-- host/*.c, found from the symbols of the compiled objects.
--
-- Usage: lua5.4 cycles.lua NM ARCHIVE-OR-OBJECTS... [--graph]
-- `nm -A -P` lists every object's symbols; a symbol one object leaves undefined (U) and
-- another defines (T, D, B, R, C …) is an edge from the first object's file to the second's.
-- Tarjan's algorithm finds the strongly connected components of that graph; a component of
-- more than one file is a circle, printed with the symbols that make each of its edges, and
-- the check fails. Symbols from outside the given objects (core, libuv, libc) are not edges.
-- With --graph it also prints the whole file graph (file -> files it calls), the picture
-- host/host.h's module list describes.
--
-- Why symbols rather than #include lines: host.h declares most of the host's calls in one
-- place, so includes show a star around it whatever calls what; the linker's view is the
-- one a circle lives in. Objects of an LTO build hold no plain symbol table: pass gcc-nm.

local nm, inputs, show_graph = nil, {}, false
for _, a in ipairs(arg) do
  if a == "--graph" then show_graph = true
  elseif not nm then nm = a
  else inputs[#inputs + 1] = a end
end
if not nm or #inputs == 0 then
  io.stderr:write("usage: cycles.lua NM ARCHIVE-OR-OBJECTS... [--graph]\n")
  os.exit(2)
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- The file an nm -A -P line names: "lib.a[api.c.o]: sym T …" or "dir/api.c.o: sym T …".
local function file_of(where)
  local member = where:match("%[([^%]]+)%]$")
  local f = (member or where):match("([^/]+)$")
  return (f:gsub("%.o$", ""):gsub("%.obj$", ""))
end

local defines, uses, files, seen = {}, {}, {}, {}
local cmd = quote(nm) .. " -A -P"
for _, i in ipairs(inputs) do cmd = cmd .. " " .. quote(i) end
local p = assert(io.popen(cmd .. " 2>&1"))
local lines = 0
for line in p:lines() do
  local where, sym, kind = line:match("^(.-): (%S+) (%a)")
  if where then
    lines = lines + 1
    local f = file_of(where)
    if not seen[f] then seen[f] = true; files[#files + 1] = f; uses[f] = {} end
    if kind == "U" then
      uses[f][#uses[f] + 1] = sym
    elseif kind:match("%u") and kind ~= "U" and kind ~= "W" and kind ~= "V" then
      defines[sym] = f
    end
  end
end
local ok = p:close()
if not ok or lines == 0 then
  io.stderr:write("cycles.lua: " .. nm .. " listed no symbols in " .. table.concat(inputs, " ") .. "\n")
  os.exit(2)
end
table.sort(files)

-- edges[a][b] = the symbols a uses from b
local edges = {}
for _, f in ipairs(files) do
  edges[f] = {}
  for _, s in ipairs(uses[f]) do
    local to = defines[s]
    if to and to ~= f then
      edges[f][to] = edges[f][to] or {}
      table.insert(edges[f][to], s)
    end
  end
end
local function targets(f)
  local t = {}
  for to in pairs(edges[f]) do t[#t + 1] = to end
  table.sort(t)
  return t
end

-- Tarjan's strongly connected components.
local index, low, onstack, stack, sccs, n = {}, {}, {}, {}, {}, 0
local function connect(v)
  n = n + 1
  index[v], low[v] = n, n
  stack[#stack + 1] = v
  onstack[v] = true
  for _, w in ipairs(targets(v)) do
    if not index[w] then
      connect(w)
      low[v] = math.min(low[v], low[w])
    elseif onstack[w] then
      low[v] = math.min(low[v], index[w])
    end
  end
  if low[v] == index[v] then
    local c = {}
    repeat
      local w = table.remove(stack)
      onstack[w] = nil
      c[#c + 1] = w
    until w == v
    table.sort(c)
    sccs[#sccs + 1] = c
  end
end
for _, f in ipairs(files) do if not index[f] then connect(f) end end

if show_graph then
  for _, f in ipairs(files) do
    print(string.format("%-14s -> %s", f, table.concat(targets(f), " ")))
  end
end

local circles = 0
for _, c in ipairs(sccs) do
  if #c > 1 then
    circles = circles + 1
    local member = {}
    for _, f in ipairs(c) do member[f] = true end
    print("circle: " .. table.concat(c, " "))
    for _, f in ipairs(c) do
      for _, to in ipairs(targets(f)) do
        if member[to] then
          table.sort(edges[f][to])
          print(string.format("  %s -> %s: %s", f, to, table.concat(edges[f][to], ", ")))
        end
      end
    end
  end
end
print(string.format("%d files, %d circles", #files, circles))
os.exit(circles == 0 and 0 or 1)
