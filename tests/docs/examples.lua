-- examples.lua — runs the manual's runnable examples and checks the output they show.
--
--   lua5.4 examples.lua PINGGU SOURCE_ROOT WORK CC [PAGE...]
--
-- PAGE is README.md or docs/NAME.md (default: README.md and every docs/*.md). How a page marks
-- an example and its output is in md.lua. What an example sees is what a reader sees at the
-- root of a checkout after `tools/quickstart`:
--
--   build/pinggu            the binary under test (also on PATH as `pinggu`)
--   build/gen-raw           tools/gen-raw.c, compiled as tools/quickstart compiles it
--   rules/, tools/          the source tree's (read-only: examples write elsewhere)
--   out/shanwei-2021/data   the quickstart's data directory, built the quickstart's way: the
--                           fed sample as value batches, the raw records of gen-raw at scale 1
--                           ingested, and the fourteen evaluations published (actor quickstart)
--
-- The data directory is built once (WORK/fixture, ~15 s in a release build; set
-- PG_DOCS_REUSE=1 to keep an existing one while editing pages). Each page then gets a fresh
-- directory WORK/pages/<page> with its own copy of the data (the raw batch files hard-linked),
-- so a page's examples may change the record without touching another page's. The examples of
-- one page run in order, each in a new `bash -e` (a pipeline has, as in a terminal, the status
-- of its last command), with TZ=UTC and LOGNAME=reader.
--
-- A page's directory (~380 MB: the store is copied) is removed once its examples have passed,
-- and the fixture (~1 GB) at the end of a run without failures unless PG_DOCS_REUSE=1: the
-- suite runs twice in CI (release and sanitizers), and a full disk fails every later test.
-- What a failure leaves stays, to be looked at.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local md = require "md"

local bin, root, work, cc = arg[1], arg[2], arg[3], arg[4]
if not (bin and root and work and cc) then
  io.stderr:write("usage: lua5.4 examples.lua PINGGU SOURCE_ROOT WORK CC [PAGE...]\n")
  os.exit(2)
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1", "r")
  local out = p:read("a")
  local ok, how, code = p:close()
  if how == "signal" then code = 128 + code end
  return out, code or (ok and 0 or 1)
end

local function must(cmd, what)
  local out, code = sh(cmd)
  if code ~= 0 then
    io.stderr:write(("docs: %s failed (exit %d):\n%s\n"):format(what, code, out))
    os.exit(1)
  end
  return out
end

local function now() -- wall-clock seconds with milliseconds
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

-- absolute paths, so that examples can cd
local function abs(p)
  if p:sub(1, 1) == "/" then return p end
  local pp = io.popen("pwd")
  local cwd = pp:read("l")
  pp:close()
  return cwd .. "/" .. p
end
bin, root, work = abs(bin), abs(root), abs(work)

local t0 = now()
must("mkdir -p " .. q(work), "mkdir " .. work)
local fixture = work .. "/fixture"
local data = fixture .. "/data"
local genraw = work .. "/gen-raw"

-- The fixture: tools/quickstart's data directory -----------------------------------------------
local function build_fixture()
  local rules = root .. "/rules/shanwei-2021"
  must(("%s -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -o %s %s"):format(q(cc), q(genraw),
    q(root .. "/tools/gen-raw.c")), "compiling tools/gen-raw.c")
  must("rm -rf " .. q(fixture) .. " && mkdir -p " .. q(data), "mkdir")
  local p = io.popen("ls " .. q(rules .. "/sample") .. "/*.csv")
  for f in p:lines() do
    must(("%s ingest --rules %s --data %s --values %s --actor quickstart"):format(q(bin), q(rules),
      q(data), q(f)), "ingest --values " .. f)
  end
  p:close()
  local raw = fixture .. "/raw"
  must(("%s --units %s --out %s"):format(q(genraw), q(rules .. "/units.csv"), q(raw)), "gen-raw")
  for _, s in ipairs { "cases", "reviews", "ecert_uses", "eseal_uses", "app_services", "mq_events",
                       "sm_requests" } do
    must(("%s ingest --rules %s --data %s --source %s --actor quickstart %s"):format(q(bin), q(rules),
      q(data), s, q(raw .. "/" .. s)), "ingest --source " .. s)
  end
  must("rm -rf " .. q(raw), "rm raw")
  local runs = {}
  for m = 1, 12 do runs[#runs + 1] = { "monthly", ("2021-%02d"):format(m) } end
  runs[#runs + 1] = { "year_end", "2021" }
  runs[#runs + 1] = { "annual", "2021" }
  for _, r in ipairs(runs) do
    must(("%s publish --rules %s --data %s --scheme %s --period %s --actor quickstart"):format(q(bin),
      q(rules), q(data), r[1], r[2]), "publish " .. r[1] .. " " .. r[2])
  end
  must("touch " .. q(fixture .. "/complete"), "touch")
end

local reuse = os.getenv("PG_DOCS_REUSE") == "1" and io.open(fixture .. "/complete", "r")
if reuse then
  reuse:close()
  print("docs: reusing the data directory in " .. fixture)
else
  build_fixture()
  print(("docs: built the quickstart's data directory in %.1f s"):format(now() - t0))
end

-- The pages ------------------------------------------------------------------------------------
local pages = {}
for k = 5, #arg do pages[#pages + 1] = arg[k] end
if #pages == 0 then
  pages[1] = "README.md"
  local p = io.popen("cd " .. q(root) .. " && ls docs/*.md 2>/dev/null")
  for name in p:lines() do pages[#pages + 1] = name end
  p:close()
end

local function page_dir(page)
  local dir = work .. "/pages/" .. page:gsub("[/.]", "_")
  local d = q(dir)
  must(table.concat({
    "rm -rf " .. d, "mkdir -p " .. d .. "/build " .. d .. "/out/shanwei-2021/data/batches",
    "ln -s " .. q(bin) .. " " .. d .. "/build/pinggu",
    "ln -s " .. q(genraw) .. " " .. d .. "/build/gen-raw",
    "ln -s " .. q(root .. "/rules") .. " " .. d .. "/rules",
    "ln -s " .. q(root .. "/tools") .. " " .. d .. "/tools",
    -- the store and the documents copied, the raw batch files (never written again) linked
    "(cd " .. q(data) .. " && tar cf - --exclude=./batches/raw .) | (cd " .. d
      .. "/out/shanwei-2021/data && tar xf -)",
    "cp -al " .. q(data .. "/batches/raw") .. " " .. d .. "/out/shanwei-2021/data/batches/raw",
  }, " && "), "setting up the directory of " .. page)
  return dir
end

local env = "env TZ=UTC LC_ALL=C.UTF-8 LOGNAME=reader USER=reader HOME=%s PATH=%s/build:\"$PATH\" "

local total, checked, failed = 0, 0, 0
for _, page in ipairs(pages) do
  local ok, examples = pcall(md.examples, md.read(root .. "/" .. page), page)
  if not ok then
    print("FAIL " .. tostring(examples))
    failed = failed + 1
    goto next_page
  end
  if #examples > 0 then
    local dir = page_dir(page)
    local failed_before = failed
    for n, ex in ipairs(examples) do
      total = total + 1
      local script = ("%s/.example-%02d.sh"):format(dir, n)
      local f = assert(io.open(script, "wb"))
      f:write(ex.code, "\n")
      f:close()
      local started = now()
      local out, code = sh(("cd %s && " .. env .. "bash -e %s"):format(q(dir), q(dir),
        q(dir), q(script)))
      local took = now() - started
      local problems = {}
      if code ~= ex.exit then
        problems[#problems + 1] = ("exit status %d, expected %d"):format(code, ex.exit)
      end
      if ex.expect then
        checked = checked + 1
        local same, at, want, got = md.match(ex.expect, out)
        if not same then
          problems[#problems + 1] = ("output differs at %s:%d\n  expected: %s\n  actual:   %s")
            :format(page, ex.expect_line + at, tostring(want), tostring(got))
        end
      end
      if #problems == 0 then
        print(("ok   %s:%d (%.1f s)"):format(page, ex.line, took))
      else
        failed = failed + 1
        print(("FAIL %s:%d (%.1f s): %s"):format(page, ex.line, took, table.concat(problems, "; ")))
        print("---- the example:\n" .. ex.code .. "\n---- its output:\n" .. out .. "----")
      end
    end
    if failed == failed_before then must("rm -rf " .. q(dir), "removing " .. dir) end
  end
  ::next_page::
end
if failed == 0 and os.getenv("PG_DOCS_REUSE") ~= "1" then
  must("rm -rf " .. q(fixture), "removing " .. fixture)
end
print(("docs: %d examples run, %d with their output checked, %d failed, %.1f s in all")
  :format(total, checked, failed, now() - t0))
os.exit(failed == 0 and total > 0 and 0 or 1)
