-- cache.lua — issue 19 §5: the results cache has a byte budget. With result_cache_mb 1, reading
-- the twelve monthly rankings of 2021 twice keeps the cache within the budget (plus the one
-- outcome just stored, which is always kept), drops the least recently read outcomes, and
-- answers a dropped period again, identically, by evaluating it anew. /metrics shows the
-- cache's bytes, its hits and misses and the evictions. Staff's every-unit 问题清单, which
-- holds four months' outcomes while the pool puts it together, answers alike while the cache
-- drops them under it (the sanitizer build tells a use after free).
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok = H.setup("serve.cache", '"result_cache_mb": 1, ')
local admin = tok.admin

local function metric(text, name)
  return tonumber(text:match("\n" .. name:gsub("[%[%]{}\"=]", "%%%0") .. " ([%d.e+]+)"))
end

local function ranking(m)
  local st, body = h:get(string.format("/api/v1/rankings/monthly/2021-%02d?group=dept", m), admin)
  return st, body
end

local first, largest = {}, 0
for round = 1, 2 do
  for m = 1, 12 do
    local st, body = ranking(m)
    t:eq(string.format("round %d: 2021-%02d answers", round, m), 200, st)
    if round == 1 then first[m] = body end
    if round == 2 then
      t:eq(string.format("2021-%02d: the same ranking after its eviction", m), first[m], body)
    end
    local _, text = h:get("/metrics", admin)
    local bytes = metric(text, "pinggu_result_cache_bytes")
    if bytes and bytes > largest then largest = bytes end
  end
end
local _, text = h:get("/metrics", admin)
local hits = metric(text, 'pinggu_result_cache_reads_total{result="hit"}')
local misses = metric(text, 'pinggu_result_cache_reads_total{result="miss"}')
local evictions = metric(text, "pinggu_result_cache_evictions_total")
t:ok(evictions and evictions > 0, "outcomes were dropped to keep the budget", tostring(evictions))
t:ok(misses and misses >= 24, "every read of a dropped period is a miss", tostring(misses))
t:ok(hits ~= nil, "hits are counted", tostring(hits))
-- the budget, plus at most the outcome just stored (one Shanwei month is well under 1 MB)
t:ok(largest <= 2 * 1024 * 1024, "the cache stayed within its budget and one outcome",
  tostring(largest))
-- read one period twice in a row: the second read is a hit
ranking(12)
local _, t1 = h:get("/metrics", admin)
ranking(12)
local _, t2 = h:get("/metrics", admin)
t:eq("a period just read is served from the cache",
  metric(t1, 'pinggu_result_cache_reads_total{result="hit"}') + 1,
  metric(t2, 'pinggu_result_cache_reads_total{result="hit"}'))
local lists = {}
for round = 1, 2 do
  for m = 3, 11 do
    local st, body = h:get(string.format("/api/v1/issues/monthly/2021-%02d", m), admin)
    t:eq(string.format("round %d: the 问题清单 of 2021-%02d answers", round, m), 200, st)
    if round == 1 then lists[m] = body end
    if round == 2 then t:eq(string.format("2021-%02d: the same 问题清单", m), lists[m], body) end
  end
end
H.finish(t, h)
