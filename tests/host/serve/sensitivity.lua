-- sensitivity.lua — POST /api/v1/sensitivity: the analysis over the API is the one
-- `pinggu sensitivity --format json` prints for the same rules, data, seed and draws (the
-- host's copy of the rule set and its fed sample); staff only; bad parameters are 400s that
-- name them; a scheme of schemes is a 422 that says what to do; an unknown scheme or year 404.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local t, h, tok, ws = H.setup("serve.sensitivity")
local bin = L.args()

local Q = "/api/v1/sensitivity?scheme=monthly&period=2021-06&draws=300&spread=25&seed=5"
local st, text, j = h:post(Q, tok.evaluator)
t:eq("an evaluator runs it", 200, st, text and text:sub(1, 300))
t:eq("the scheme", "monthly", j and j.scheme)
t:eq("the period", "2021-06", j and j.period)
t:eq("the draws", 300, j and j.draws)
t:eq("the seed", "5", j and j.seed)

-- the CLI on the same rules and data gives the same numbers
local out, err, code = L.run(table.concat({ L.quote(bin), "sensitivity", "--rules", L.quote(ws .. "/rules"),
  "--data", L.quote(ws .. "/data"), "--scheme monthly --period 2021-06 --draws 300 --spread 25 --seed 5",
  "--format json" }, " "))
t:eq("the CLI runs on the host's directories", 0, code, err)
local cli = code == 0 and cjson.decode(out) or { units = {} }
local by = {}
for _, u in ipairs(cli.units) do by[u.id] = u end
local compared = 0
for _, u in ipairs(j and j.units or {}) do
  local c = by[u.id]
  if t:ok(c ~= nil, u.id .. " in the CLI's answer") and not L.isnull(u.rank) then
    compared = compared + 1
    for _, k in ipairs { "rank", "total", "median_rank", "rank_p05", "rank_p95", "band_keep" } do
      t:eq(u.id .. " " .. k .. " as the CLI's", c[k], u[k])
    end
  end
end
t:ok(compared > 10, "ranked units compared", tostring(compared))

-- the same query twice: the same answer
local st2, text2 = h:post(Q, tok.admin)
t:eq("an admin runs it", 200, st2)
t:eq("the same answer for the same seed", text, text2)

-- who may
t:eq("a viewer may not", 403, (h:post(Q, tok.viewer)))
t:eq("a unit may not", 403, (h:post(Q, tok.lufeng)))
t:eq("no token", 401, (h:post(Q)))

-- bad requests name what is wrong
local function bad(query, status, needle)
  local s, _, e = h:post("/api/v1/sensitivity?" .. query, tok.evaluator)
  t:eq(query .. ": status", status, s)
  local msg = e and e.error and e.error.message or ""
  if needle then t:ok(msg:find(needle, 1, true) ~= nil, query .. ": says " .. needle, msg) end
end
bad("scheme=monthly", 400, "which evaluation")
bad("scheme=monthly&period=2021-13", 400, "period=2021-13")
bad("scheme=monthly&period=2021-06&draws=0", 400, "draws")
bad("scheme=monthly&period=2021-06&draws=100001", 400, "draws")
bad("scheme=monthly&period=2021-06&spread=100", 400, "spread")
bad("scheme=monthly&period=2021-06&seed=x", 400, "seed")
bad("scheme=nosuch&period=2021-06", 404, "nosuch")
bad("scheme=monthly&period=1999-06", 404, "1999")
local s, _, e = h:post("/api/v1/sensitivity?scheme=annual&period=2021", tok.evaluator)
t:eq("a scheme of schemes: 422", 422, s)
local all = e and cjson.encode(e) or ""
t:ok(all:find("run it on the schemes it combines", 1, true) ~= nil, "the 422 says what to do", all:sub(1, 300))

H.finish(t, h)
