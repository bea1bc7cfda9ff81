-- record_all.lua — fills PINGGU_RECORD with the answers of the real host: record.lua first
-- (it empties the file and covers every route), then the serve tests and the review test over
-- HTTP, whose exchanges host.lua appends too. Fails when any of them fails, naming it: a
-- recording of a broken run would validate nothing useful.
-- Run as `lua5.4 record_all.lua PINGGU SOURCE_ROOT` with PINGGU_RECORD set.
local bin, root = arg[1], arg[2]
local here = arg[0]:gsub("[^/]*$", "")
if not bin or not root or not os.getenv("PINGGU_RECORD") then
  io.stderr:write("usage: PINGGU_RECORD=FILE lua5.4 record_all.lua PINGGU SOURCE_ROOT\n")
  os.exit(2)
end
local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local lua = arg[-1] or "lua5.4"
local scripts = {
  here .. "record.lua",
  here .. "../serve/api.lua",
  here .. "../serve/ingest.lua",
  here .. "../serve/dashboard.lua",
  here .. "../serve/years.lua",
  here .. "../serve/rule_changes.lua",
  here .. "../serve/series.lua",
  here .. "../serve/rule_edits.lua",
  here .. "../serve/sensitivity.lua",
  here .. "../../core/record/review/http.lua",
}
local failed = 0
for _, s in ipairs(scripts) do
  local f = io.open(s, "rb")
  if f then
    f:close()
    local ok = os.execute(q(lua) .. " " .. q(s) .. " " .. q(bin) .. " " .. q(root))
    print((ok and "ok   " or "FAIL ") .. s)
    if not ok then failed = failed + 1 end
  end
end
local f = io.open(os.getenv("PINGGU_RECORD"), "rb")
local n = 0
for _ in (f and f:lines() or function() end) do n = n + 1 end
if f then f:close() end
print(string.format("openapi.record: %d exchanges recorded, %d scripts failed", n, failed))
os.exit(failed == 0 and n > 0 and 0 or 1)
