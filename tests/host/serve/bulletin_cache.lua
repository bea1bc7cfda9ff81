-- bulletin_cache.lua — issue 19 §3: the loop's cache of published bulletins' parts
-- (bulletin_cache_mb). With a budget of 1 MB on the Shanwei sample:
--   - a read answered from the cache (a hit on /metrics) is byte for byte the answer of a host
--     with no cache (bulletin_cache_mb 0), which reads the store: a unit's view, its slice, the
--     summary, a group, a viewer's view, staff's slice of another unit, an older revision, and
--     every unit's slice, most of them kept with the first of their pack of sixteen;
--   - a unit token still cannot read another unit's slice once staff's read of it is kept (403),
--     and a unit's view holds its own unit only;
--   - a correction published while the parts of revision 1 are kept is served at once as the
--     latest (its revision, haifeng's changed value, both revisions listed), and revision 1
--     stays readable by its number, with its own value and the new list of revisions;
--   - the budget evicts: a viewer's view, both groups and every unit's slice of both revisions,
--     read twice, keep the cache within 1 MB, with evictions counted and the same answers after.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local t, h, tok, ws = H.setup("serve.bulletin_cache", '"bulletin_cache_mb": 1, ')
local B = "/api/v1/bulletins/monthly/2021-05"

local function metric(name)
  local _, text = h:get("/metrics", tok.admin)
  return tonumber(text:match("\n" .. name:gsub("[%[%]{}\"=]", "%%%0") .. " ([%d.e+]+)"))
end
local HIT = 'pinggu_bulletin_cache_reads_total{result="hit"}'

local st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-05"}')
t:eq("revision 1 is published", 201, st, text)

-- every read twice: the second is a hit, and the same bytes
local reads = {
  { "lufeng's view", B, tok.lufeng },
  { "lufeng's slice", B .. "?unit=lufeng", tok.lufeng },
  { "the summary", B .. "?part=summary", tok.lufeng },
  { "the county group", B .. "?group=county", tok.lufeng },
  { "a viewer's view", B, tok.viewer },
  { "staff's slice of haifeng", B .. "?unit=haifeng", tok.admin },
  { "revision 1 by number", B .. "/1?unit=lufeng", tok.lufeng },
}
local cachedAnswers = {}
for _, r in ipairs(reads) do
  local st1, first = h:get(r[2], r[3])
  local hits = metric(HIT)
  local st2, second = h:get(r[2], r[3])
  t:eq(r[1] .. ": answered", "200 200", st1 .. " " .. st2, first:sub(1, 200))
  t:eq(r[1] .. ": the second read is a hit", hits + 1, metric(HIT))
  t:ok(first == second, r[1] .. ": the kept answer is the read one")
  cachedAnswers[r[1]] = second
end

-- every unit's slice as staff reads it: the first of each pack of sixteen is read from the store,
-- and brings the others' parts and overdue items with it
local _, _, whole0 = h:get(B, tok.admin)
local all = {}
for _, u in ipairs(whole0 and whole0.result.units or {}) do all[#all + 1] = u.unit end
t:ok(#all >= 30, "staff's whole view lists the units", tostring(#all))
local hits0 = metric(HIT)
for _, id in ipairs(all) do
  local sx, body = h:get(B .. "?unit=" .. id, tok.admin)
  if sx == 200 then cachedAnswers["slice " .. id] = body end
  reads[#reads + 1] = { "slice " .. id, B .. "?unit=" .. id, tok.admin }
end
t:ok(metric(HIT) - hits0 >= #all - 2 * math.ceil(#all / 16) - 1,
  "a pack's other units are answered from the cache", (metric(HIT) - hits0) .. " of " .. #all)

-- a unit's token and another unit's slice, kept now by staff's read
st = h:get(B .. "?unit=haifeng", tok.lufeng)
t:eq("lufeng may not read haifeng's kept slice", 403, st)
local _, _, view = h:get(B, tok.lufeng)
local units = {}
for _, u in ipairs(view and view.result.units or {}) do units[#units + 1] = u.unit end
t:eq("lufeng's view holds lufeng only", "lufeng", table.concat(units, ","))
local _, _, vj = h:get(B, tok.viewer)
t:ok(vj and vj.result and vj.result.units == nil, "a viewer's kept view holds no unit's breakdown")

-- the same reads from a host with no cache: the store's answers
local cfg0 = ws .. "/nocache.json"
L.write(cfg0, (L.slurp(ws .. "/pinggu.json"):gsub('"bulletin_cache_mb": 1,', '"bulletin_cache_mb": 0,')))
t:ok(h:stop(), "the cached host stops")
local why
h, why = H.start { bin = L.args(), rules = ws .. "/rules", data = ws .. "/data", config = cfg0 }
if not h then
  t:fail("the host with no cache starts", "started", why)
  H.finish(t, nil)
end
for _, r in ipairs(reads) do
  local st0, stored = h:get(r[2], r[3])
  t:eq(r[1] .. ": answered without the cache", 200, st0)
  t:ok(stored == cachedAnswers[r[1]], r[1] .. ": the cached answer is the stored one",
    #stored .. " vs " .. #cachedAnswers[r[1]] .. " bytes")
end
t:eq("no cache, no hit", 0, metric(HIT))
h:stop()
h = H.start { bin = L.args(), rules = ws .. "/rules", data = ws .. "/data", config = ws .. "/pinggu.json" }

-- a correction while revision 1's parts are kept (haifeng's zero-proof share has no fed value in
-- May: a values batch gives it one)
local function zeroProof(j)
  for _, i in ipairs(j and j.unit and j.unit.indicators or {}) do
    if i.id == "mon_zero_proof" then return i.value end
  end
end
local HB = B .. "?unit=haifeng"
local _, _, s1 = h:get(HB, tok.admin)
_, _, s1 = h:get(HB, tok.admin)
t:ok(s1 and s1.bulletin.revision == 1, "revision 1 is read (and kept)")
local before = zeroProof(s1)
local v = before == 0.95 and "0.55" or "0.95"
st, text = h:post("/api/v1/batches?source=values&name=haifeng-05.csv", tok.evaluator,
  "unit,period,metric,value,n\nhaifeng,2021-05,zero_proof_rate," .. v .. ",\n", "text/csv")
t:eq("a values batch changes haifeng's May", 201, st, text)
st, text = h:post("/api/v1/bulletins", tok.evaluator,
  '{"scheme":"monthly","period":"2021-05","reason":"haifeng corrected"}')
t:eq("revision 2 is published", 201, st, text)
local _, _, s2 = h:get(HB, tok.admin)
t:eq("the latest is revision 2 at once", 2, s2 and s2.bulletin.revision)
t:eq("with haifeng's corrected value", tonumber(v), zeroProof(s2))
t:eq("and both revisions listed", 2, s2 and #s2.revisions)
local _, _, v2 = h:get(B, tok.lufeng)
t:eq("lufeng's view is revision 2 too", 2, v2 and v2.bulletin.revision)
-- answers kept whole (the same for every reader): the latest is revision 2, and revision 1's
-- lists both revisions now
for _, q in ipairs { "?group=county", "?part=summary" } do
  local _, _, g2 = h:get(B .. q, tok.lufeng)
  t:eq(q .. " is revision 2 at once", 2, g2 and g2.bulletin.revision)
  local _, _, g1 = h:get(B .. "/1" .. q, tok.lufeng)
  t:eq(q .. " of revision 1 lists both revisions", "1 2",
    g1 and string.format("%d %d", g1.bulletin.revision, #g1.revisions))
end
local _, _, vv = h:get(B, tok.viewer)
t:eq("a viewer's view is revision 2", 2, vv and vv.bulletin.revision)
local _, _, r1 = h:get(B .. "/1?unit=haifeng", tok.admin)
t:eq("revision 1 by number is still revision 1", 1, r1 and r1.bulletin.revision)
t:eq("with its own value", before, zeroProof(r1))
t:eq("and the new list of revisions", 2, r1 and #r1.revisions)

-- the budget: every unit's slice of both revisions, twice
local _, _, whole = h:get(B, tok.admin)
local ids = {}
for _, u in ipairs(whole and whole.result.units or {}) do ids[#ids + 1] = u.unit end
t:ok(#ids >= 30, "staff's whole view lists the units", tostring(#ids))
local first, same, largest = {}, true, 0
for round = 1, 2 do
  for _, rev in ipairs { "/1", "/2" } do
    local paths = { { B .. rev, tok.viewer }, { B .. rev .. "?group=county", tok.viewer },
      { B .. rev .. "?group=dept", tok.viewer } }
    for _, id in ipairs(ids) do paths[#paths + 1] = { B .. rev .. "?unit=" .. id, tok.admin } end
    for _, p in ipairs(paths) do
      local path = p[1]
      local sx, body = h:get(path, p[2])
      if sx ~= 200 then same = false end
      if round == 1 then first[path] = body elseif first[path] ~= body then same = false end
    end
    largest = math.max(largest, metric("pinggu_bulletin_cache_bytes") or math.huge)
  end
end
t:ok(same, "every slice answered, the same after its eviction")
t:ok(largest <= 1024 * 1024, "the cache stays within bulletin_cache_mb", tostring(largest))
local ev = metric("pinggu_bulletin_cache_evictions_total")
t:ok(ev and ev > 0, "parts were evicted to keep the budget", tostring(ev))
t:ok((metric("pinggu_bulletin_cache_entries") or 0) > 0, "entries are counted")
H.finish(t, h)
