-- check.lua NM [--graph] name=lib.a=use1,use2 ... — fails (exit 1) when an object of one
-- subsystem needs a symbol defined in a subsystem it may not use (directly or through what it
-- uses), or when the files of the libraries call each other in a circle. Prints every
-- violation, located by file and symbol; with --graph also every file and the files it calls.
-- tests/core/layout runs it over core/'s nine libraries, tests/host/layout over the host's
-- one (host=libpinggu_host.a=: a circle check only; its calls into core/ are not edges).
--
-- Why symbols rather than #include lines: a public header declares a whole folder's calls in
-- one place, so includes show a star around it whatever calls what; the linker's view is the
-- one a circle lives in. NM should be gcc-nm, which reads the LTO objects of a release build.
local nm, show_graph = arg[1], false
local subs, order = {}, {}
for i = 2, #arg do
  if arg[i] == "--graph" then
    show_graph = true
    goto next
  end
  local name, lib, uses = arg[i]:match("^([^=]+)=([^=]+)=(.*)$")
  assert(name, "bad argument " .. arg[i])
  local u = {}
  for x in uses:gmatch("[^,]+") do u[#u + 1] = x end
  subs[name] = { lib = lib, uses = u }
  order[#order + 1] = name
  ::next::
end

-- What a subsystem may use: what it names, and what those may use.
local function closure(name, seen)
  seen = seen or {}
  for _, u in ipairs(subs[name].uses) do
    if not seen[u] then
      seen[u] = true
      closure(u, seen)
    end
  end
  return seen
end

local defined, needs = {}, {} -- symbol -> "sub/file"; "sub/file" -> {symbol...}
for _, name in ipairs(order) do
  local p = assert(io.popen(nm .. " -A -g " .. subs[name].lib .. " 2>/dev/null"))
  local nlines = 0
  for line in p:lines() do
    nlines = nlines + 1
    local obj, kind, sym = line:match(":([^:]+%.o):%s*%x*%s+(%a)%s+(%S+)$")
    if obj then
      local file = name .. "/" .. obj:gsub("%.c%.o$", ".c")
      if kind == "U" then
        needs[file] = needs[file] or {}
        table.insert(needs[file], sym)
      elseif kind:match("[TDBRC]") then
        defined[sym] = file
      end
    end
  end
  p:close()
  if nlines == 0 then
    io.stderr:write("layout: nm listed nothing in " .. subs[name].lib .. "\n")
    os.exit(1)
  end
end

local bad, edges = 0, {}
local files = {}
for file in pairs(needs) do files[#files + 1] = file end
table.sort(files)
for _, file in ipairs(files) do
  local from = file:match("^[^/]+")
  local allowed = closure(from)
  table.sort(needs[file])
  for _, sym in ipairs(needs[file]) do
    local owner = defined[sym]
    if owner and owner ~= file then
      local to = owner:match("^[^/]+")
      if to ~= from and not allowed[to] then
        print(("%s needs %s from %s, but %s may not use %s"):format(file, sym, owner, from, to))
        bad = bad + 1
      end
      edges[file] = edges[file] or {}
      edges[file][owner] = edges[file][owner] or sym
    end
  end
end

-- Circles between files (Tarjan's strongly connected components).
local index, low, onstack, stack, n = {}, {}, {}, {}, 0
local function connect(v)
  n = n + 1
  index[v], low[v] = n, n
  stack[#stack + 1], onstack[v] = v, true
  local targets = {}
  for w in pairs(edges[v] or {}) do targets[#targets + 1] = w end
  table.sort(targets)
  for _, w in ipairs(targets) do
    if not index[w] then
      connect(w)
      low[v] = math.min(low[v], low[w])
    elseif onstack[w] then
      low[v] = math.min(low[v], index[w])
    end
  end
  if low[v] == index[v] then
    local comp = {}
    repeat
      local w = table.remove(stack)
      onstack[w] = nil
      comp[#comp + 1] = w
    until w == v
    if #comp > 1 then
      table.sort(comp)
      print("a circle between files: " .. table.concat(comp, ", "))
      for _, a in ipairs(comp) do
        for _, b in ipairs(comp) do
          if edges[a] and edges[a][b] then print(("  %s -> %s (%s)"):format(a, b, edges[a][b])) end
        end
      end
      bad = bad + 1
    end
  end
end
for _, file in ipairs(files) do
  if not index[file] then connect(file) end
end

if show_graph then
  for _, file in ipairs(files) do
    local t = {}
    for w in pairs(edges[file] or {}) do t[#t + 1] = w end
    table.sort(t)
    print(("%-26s -> %s"):format(file, table.concat(t, " ")))
  end
end

local nedges = 0
for _, t in pairs(edges) do for _ in pairs(t) do nedges = nedges + 1 end end
if bad > 0 then
  print(("layout: %d problem(s)"):format(bad))
  os.exit(1)
end
print(("layout: %d libraries, %d files that call others, %d calls between files, one way"):format(
  #order, #files, nedges))
