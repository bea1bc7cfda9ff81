-- routes.lua — the host's route table and docs/openapi.yaml name the same routes, both ways:
-- every (method, path template) the router dispatches is an operation of the spec, every
-- operation of the spec is a route, and each operation's x-pinggu-roles are the route's roles.
-- Run as `lua5.4 routes.lua ROUTES_BINARY OPENAPI_JSON` (routes.c prints the table; the JSON
-- is the one the build converts from docs/openapi.yaml and the host serves).
local cjson = require "cjson"
local bin, spec_path = arg[1], arg[2]
if not bin or not spec_path then
  io.stderr:write("usage: lua5.4 routes.lua ROUTES_BINARY OPENAPI_JSON\n")
  os.exit(2)
end
local failures, checks = 0, 0
local function check(ok, msg)
  checks = checks + 1
  if not ok then failures = failures + 1; print("FAIL " .. msg) end
end

local host = {}
local p = assert(io.popen("'" .. bin:gsub("'", "'\\''") .. "'"))
for line in p:lines() do
  local method, path, roles = line:match("^(%u+) (%S+) (%S+)$")
  check(method ~= nil, "a line of the route table: " .. line)
  if method then
    local key = method .. " " .. path
    check(not host[key], "the route table names " .. key .. " once")
    local set = {}
    for r in roles:gmatch("[^,]+") do if r ~= "-" then set[#set + 1] = r end end
    table.sort(set)
    host[key] = table.concat(set, ",")
  end
end
check(p:close(), bin .. " ran")

local f = assert(io.open(spec_path, "rb"))
local spec = cjson.decode(f:read("a"))
f:close()
local doc = {}
for path, item in pairs(spec.paths) do
  local template = path:gsub("{[^}]+}", "{}")
  for method, op in pairs(item) do
    if ({ get = 1, put = 1, post = 1, delete = 1, patch = 1, head = 1 })[method] then
      local set = {}
      for _, r in ipairs(type(op["x-pinggu-roles"]) == "table" and op["x-pinggu-roles"] or {}) do
        set[#set + 1] = r
      end
      check(type(op["x-pinggu-roles"]) == "table",
        method:upper() .. " " .. path .. " has x-pinggu-roles")
      table.sort(set)
      doc[method:upper() .. " " .. template] = { roles = table.concat(set, ","), path = path,
        open = type(op.security) == "table" and next(op.security) == nil }
    end
  end
end

local n = 0
for key, roles in pairs(host) do
  n = n + 1
  local d = doc[key]
  check(d ~= nil, key .. " is routed by the host but not in docs/openapi.yaml")
  if d then
    check(d.roles == roles, key .. ": the host lets [" .. roles .. "], the spec says [" .. d.roles .. "]")
    check(d.open == (roles == ""), key .. ": security [] in the spec exactly when no token is needed")
  end
end
for key, d in pairs(doc) do
  check(host[key] ~= nil, d.path .. " (" .. key:match("^%u+") .. ") is in docs/openapi.yaml but the host has no such route")
end
print(string.format("openapi.routes: %d routes, %d checks, %d failed", n, checks, failures))
os.exit(failures == 0 and n > 0 and 0 or 1)
