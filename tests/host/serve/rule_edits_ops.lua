-- rule_edits_ops.lua — a rule edit of points where points do not weigh (issue 15 §2): under a
-- mean, geomean or harmonic node each child counts by its share of its own points, weighted
-- by `weight`, and under min by its share alone, so an edit of such a child's points would
-- change no number. POST /rules/edits refuses it (422, saying why and what to change instead)
-- and writes nothing, as `pinggu diff --overrides` refuses the same override; an edit of the
-- points of the geomean's root, which do weigh, still goes through.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.rule_edits_ops")
local ws = L.tmpdir()
local set = root .. "/rules/examples/composite-index"
os.execute("cp -r " .. L.quote(set) .. " " .. L.quote(ws .. "/rules") .. " && mkdir -p " ..
  L.quote(ws .. "/data") .. " && cp " .. L.quote(set .. "/data") .. "/*.csv " .. L.quote(ws .. "/data/"))
local tok, cfg = H.tokens(bin, ws)
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg, tokens = tok }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end
local function status()
  local _, _, s = h:get("/api/v1/rules/status", tok.admin)
  return s
end
local st = status()
t:ok(st and st.content, "the rules' status names their content", st)
local index = L.slurp(ws .. "/rules/index.lua")
local screen = L.slurp(ws .. "/rules/screen.lua")

for _, c in ipairs {
  { id = "online_share", parent = "access", op = "mean", file = "index.lua", text = index, instead = "weight" },
  { id = "access", parent = "index", op = "geomean", file = "index.lua", text = index, instead = "weight" },
} do
  local code, body, j = h:post("/api/v1/rules/edits", tok.evaluator, cjson.encode {
    base = st and st.content, changes = { { indicator = c.id, points = 50 } } })
  t:eq(("points of %s under a %s: 422"):format(c.id, c.op), 422, code, body)
  local msg = j and j.error and (j.error.message .. " " .. cjson.encode(j.error)) or body or ""
  t:contains("… saying it would change nothing", msg, "would change nothing")
  t:contains("… naming the operator", msg, c.op)
  t:contains("… and what to change instead", msg, c.instead)
  t:eq("… nothing written", c.text, L.slurp(ws .. "/rules/" .. c.file))
end
-- the children of a min node (screen.lua) have no weights either
local kids = {}
for id in screen:gmatch('indicator%s+"([%w_]+)"%s*{%s*parent%s*=%s*"resilience"') do kids[#kids + 1] = id end
t:ok(#kids > 0, "the min node has children in screen.lua", screen:sub(1, 300))
if kids[1] then
  local code, body = h:post("/api/v1/rules/edits", tok.evaluator, cjson.encode {
    base = st and st.content, changes = { { indicator = kids[1], points = 50 } } })
  t:eq("points of a child of the min node: 422", 422, code, body)
  t:contains("… saying min", body or "", "min")
  t:eq("… nothing written", screen, L.slurp(ws .. "/rules/screen.lua"))
end
-- the root's points do weigh: the edit is made
local code, body = h:post("/api/v1/rules/edits", tok.evaluator, cjson.encode {
  base = st and st.content, changes = { { indicator = "index", points = 90 } } })
t:ok(code ~= 422 or not (body or ""):find("would change nothing", 1, true),
  "the root's points are not refused as changing nothing", body)
H.finish(t, h)
