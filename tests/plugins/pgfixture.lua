-- pgfixture.lua — a throw-away PostgreSQL cluster for the plugin tests (postgres.lua,
-- pushdown.lua) and tools/bench/pushdown-run.
--
-- Debian's postgresql package: initdb and pg_ctl on a Unix socket in a temporary directory,
-- no TCP, fsync off. As root, initdb and postgres refuse to run, so they run as the `postgres`
-- system user the package creates (runuser). Without the package, start() returns nil and
-- the reason, and the caller skips (exit 77) saying so.
--
--   local F = dofile(root .. "/tests/plugins/pgfixture.lua")
--   local pg, why = F.start(L)      -- L: tests/e2e/lib.lua
--   local pg, plugins = F.test_start(L, bin)   -- a test's: or it ends there, FAIL or SKIP
--   pg.env                          -- "PGHOST=… PGUSER=pinggu PGDATABASE=postgres PINGGU_PG_DSN= "
--   pg:psql(sql)                    -- out, err, code
--   pg:stop()
--   F.ddl(rules_dir, source)        -- CREATE TABLE text of a source, from its declaration
local F = {}

local function sh(L, cmd)
  return L.run(cmd)
end

function F.start(L, opts)
  opts = opts or {}
  local pgbin
  for _, v in ipairs({ "17", "16", "15", "14", "13" }) do
    local d = "/usr/lib/postgresql/" .. v .. "/bin"
    if io.open(d .. "/initdb") then pgbin = d break end
  end
  if not pgbin then
    return nil, "PostgreSQL's server programs are not installed (Debian package postgresql; " ..
      "tools/deps test installs it)"
  end
  local is_root = (sh(L, "id -u")):match("^0") ~= nil
  local dir = (sh(L, "mktemp -d \"${TMPDIR:-/tmp}/pinggu-pg.XXXXXX\"")):gsub("%s+$", "")
  local as = ""
  if is_root then
    sh(L, "chmod 755 " .. L.quote(dir) .. " && chown postgres: " .. L.quote(dir))
    as = "runuser -u postgres -- "
  end
  local pg = { L = L, bin = pgbin, dir = dir, as = as, sock = dir .. "/sock" }
  pg.env = "PGHOST=" .. L.quote(pg.sock) .. " PGUSER=pinggu PGDATABASE=postgres PINGGU_PG_DSN= "
  function pg:stop()
    sh(L, self.as .. self.bin .. "/pg_ctl -D " .. L.quote(self.dir .. "/db") .. " -m immediate stop")
    sh(L, "rm -rf " .. L.quote(self.dir))
  end
  function pg:psql(sql)
    local f = os.tmpname()
    L.write(f, sql)
    local out, e, c = sh(L, self.env .. self.bin .. "/psql -X -q -v ON_ERROR_STOP=1 -f " .. L.quote(f))
    os.remove(f)
    return out, e, c
  end
  local _, err, code = sh(L, as .. "mkdir -p " .. L.quote(pg.sock) .. " && " .. as .. pgbin ..
    "/initdb -D " .. L.quote(dir .. "/db") .. " -U pinggu -A trust -E UTF8 --locale=C.UTF-8 --no-sync")
  if code ~= 0 then
    pg:stop()
    return nil, "initdb: " .. (err or ""), true
  end
  local settings = "-k " .. pg.sock .. " -c listen_addresses= -c fsync=off " .. (opts.settings or "")
  _, err, code = sh(L, as .. pgbin .. "/pg_ctl -D " .. L.quote(dir .. "/db") .. " -w -l " ..
    L.quote(dir .. "/log") .. " -o " .. L.quote(settings) .. " start")
  if code ~= 0 then
    local log = L.slurp and L.slurp(dir .. "/log") or ""
    pg:stop()
    return nil, "pg_ctl start: " .. (err or "") .. (log or ""), true
  end
  return pg
end

-- For a test of the postgres plugin: the plugins' directory beside `bin` and a started
-- cluster, or the test ends here: FAIL when postgres.so was not built or the cluster would not
-- start, SKIP (77) without the server package.
function F.test_start(L, bin, opts)
  local plugin_dir = bin:match("^(.*)/[^/]*$") .. "/plugins"
  if not io.open(plugin_dir .. "/postgres.so") then
    print("FAIL: " .. plugin_dir .. "/postgres.so was not built (libpq-dev missing at configure?)")
    os.exit(1)
  end
  local pg, why, failed = F.start(L, opts)
  if not pg then
    print((failed and "FAIL: " or "SKIP: ") .. why)
    os.exit(failed and 1 or 77)
  end
  return pg, plugin_dir
end

-- The declared fields of every source in rules/sources.lua, read by running the file with a
-- `source` that only records: { name = { {name, type, nullable}, ... } }.
function F.sources(rules)
  local got = {}
  local env = setmetatable({
    source = function(name)
      return function(t)
        local fields = {}
        for _, f in ipairs(t.fields) do
          fields[#fields + 1] = { name = f[1], type = f[2], nullable = f.nullable }
        end
        got[name] = { fields = fields, decl = t }
      end
    end,
  }, { __index = _G })
  local chunk = assert(loadfile(rules .. "/sources.lua", "t", env))
  chunk()
  return got
end

local pgtype = { string = "text", enum = "text", int = "integer", number = "double precision",
                 bool = "boolean", time = "timestamptz" }

-- CREATE TABLE public.<source> (...) with the engine's own types for the declared fields.
function F.ddl(sources, source, tname)
  local cols = {}
  for _, f in ipairs(sources[source].fields) do
    cols[#cols + 1] = f.name .. " " .. pgtype[f.type]
  end
  return "CREATE TABLE " .. (tname or ("public." .. source)) .. " (" .. table.concat(cols, ", ") .. ");\n"
end

-- The partials of the active batches of a data directory's store, decoded from batch.c's
-- binary cells: { metric = { ["unit@bucket"] = { n, sum, sum_c, den, den_c, hits, valued,
-- min, max } } }.
function F.cells(L, db)
  local out = L.run("sqlite3 " .. L.quote(db) .. " \"SELECT metric || ' ' || hex(cells) FROM partial p" ..
    " JOIN batch b ON b.id = p.batch WHERE b.status = 'active' ORDER BY metric\"")
  local t = {}
  for line in out:gmatch("[^\n]+") do
    local m, hex = line:match("^(%S+) (%x*)$")
    local blob = hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
    local n, pos = string.unpack("<I4", blob, 5)
    t[m] = t[m] or {}
    for _ = 1, n do
      local len
      len, pos = string.unpack("<I4", blob, pos)
      local unit = blob:sub(pos, pos + len - 1)
      pos = pos + len
      local c = {}
      c.bucket, c.n, c.sum, c.sum_c, c.den, c.den_c, c.hits, c.valued, c.min, c.max, pos =
        string.unpack("<I4ddddddddd", blob, pos)
      local nh
      nh, pos = string.unpack("<I4", blob, pos)
      pos = pos + 16 * nh
      local nv
      nv, pos = string.unpack("<I4", blob, pos)
      pos = pos + 8 * nv
      t[m][unit .. "@" .. c.bucket] = c
    end
  end
  return t
end

local function rel(x, y)
  if x == y then return 0 end
  return math.abs(x - y) / math.max(math.abs(x), math.abs(y))
end

-- Compares two stores' partials cell by cell: counts and min/max exact, sums within 1e-12
-- relative. { bad = N, metrics = N, cells = N, first = "what differs first" }.
function F.compare(L, a, b)
  local ca, cb = F.cells(L, a), F.cells(L, b)
  local r = { bad = 0, metrics = 0, cells = 0 }
  local function note(s)
    r.bad = r.bad + 1
    r.first = r.first or s
  end
  for m, xa in pairs(ca) do
    r.metrics = r.metrics + 1
    local xb = cb[m] or {}
    for k, x in pairs(xa) do
      r.cells = r.cells + 1
      local y = xb[k]
      if not y then
        note(m .. " " .. k .. " missing in the second")
      else
        for _, f in ipairs({ "n", "hits", "valued", "min", "max" }) do
          if x[f] ~= y[f] then note(m .. " " .. k .. " " .. f .. ": " .. x[f] .. " ~= " .. y[f]) end
        end
        for _, f in ipairs({ "sum", "den" }) do
          local u, v = x[f] + x[f .. "_c"], y[f] + y[f .. "_c"]
          if rel(u, v) > 1e-12 then note(string.format("%s %s %s: %.17g ~= %.17g", m, k, f, u, v)) end
        end
      end
    end
    for k in pairs(xb) do if not xa[k] then note(m .. " " .. k .. " only in the second") end end
  end
  for m in pairs(cb) do if not ca[m] then note("metric " .. m .. " only in the second") end end
  return r
end

return F
