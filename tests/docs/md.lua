-- md.lua — the little Markdown the docs tests need: fenced blocks with their info strings,
-- links outside code, and headings as GitHub turns them into anchors.
--
-- The markers this suite understands (README.md and docs/*.md):
--
--   ```sh run            a runnable shell example; the block must exit 0
--   ```sh run exit=N     a runnable example that must stop with exit status N
--   ```text output       the output of the closest runnable block above it (one per block);
--                        stdout and stderr together, as a terminal shows them
--
-- In an output block, a line holding only `…` stands for any number of lines (none too), and
-- `…` inside a line stands for any text on that line (a time, a hash, an id). Trailing blanks
-- and trailing empty lines are ignored on both sides. Any other fenced block (```sh, ```lua,
-- ```text, ```jsonc …) is prose to this suite and is not run.
local M = {}

function M.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function lines_of(text)
  local t = {}
  for line in (text:gsub("\r\n", "\n") .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\n") do
    t[#t + 1] = line
  end
  return t
end
M.lines_of = lines_of

-- Returns the fenced blocks of a Markdown text: { info =, body =, line = (of the fence) },
-- and the lines outside fences (for links and headings), as { text =, line = }.
function M.parse(text)
  local blocks, prose = {}, {}
  local lines = lines_of(text)
  local i = 1
  while i <= #lines do
    local line = lines[i]
    local indent, fence, info = line:match("^( *)(```+)%s*(.-)%s*$")
    if fence and #indent <= 3 then
      local body, j = {}, i + 1
      while j <= #lines and not lines[j]:match("^ *" .. fence .. "%s*$") do
        -- a fence inside a list item is indented: drop that indentation from its lines
        body[#body + 1] = lines[j]:sub(1, #indent):match("^ *$") and lines[j]:sub(#indent + 1) or lines[j]
        j = j + 1
      end
      blocks[#blocks + 1] = { info = info, body = table.concat(body, "\n"), line = i }
      i = j + 1
    else
      prose[#prose + 1] = { text = line, line = i }
      i = i + 1
    end
  end
  return blocks, prose
end

-- The runnable examples of a text, in order: { code =, line =, exit =, expect = (text or nil),
-- expect_line = }.
function M.examples(text, file)
  local blocks = M.parse(text)
  local out = {}
  for _, b in ipairs(blocks) do
    local words = {}
    for w in b.info:gmatch("%S+") do words[#words + 1] = w end
    if words[2] == "run" then
      local ex = { code = b.body, line = b.line, exit = 0, file = file }
      for k = 3, #words do
        local n = words[k]:match("^exit=(%d+)$")
        if n then ex.exit = tonumber(n)
        else error(("%s:%d: unknown word '%s' after run"):format(file, b.line, words[k])) end
      end
      out[#out + 1] = ex
    elseif words[#words] == "output" and #words <= 2 then
      local ex = out[#out]
      if not ex then
        error(("%s:%d: an output block with no runnable block before it"):format(file, b.line))
      end
      if ex.expect then
        error(("%s:%d: a second output block for the example at line %d"):format(file, b.line, ex.line))
      end
      ex.expect, ex.expect_line = b.body, b.line
    end
  end
  return out
end

-- Output matching -----------------------------------------------------------------------------
local ELLIPSIS = "…"

local function rstrip(s) return (s:gsub("%s+$", "")) end

local function trimmed_lines(text)
  local t = lines_of(text)
  for k = 1, #t do t[k] = rstrip(t[k]) end
  while #t > 0 and t[#t] == "" do t[#t] = nil end
  return t
end

local function line_pattern(exp)
  local parts = {}
  local pos = 1
  while true do
    local a, b = exp:find(ELLIPSIS, pos, true)
    if not a then break end
    parts[#parts + 1] = exp:sub(pos, a - 1):gsub("%p", "%%%0")
    parts[#parts + 1] = ".-"
    pos = b + 1
  end
  parts[#parts + 1] = exp:sub(pos):gsub("%p", "%%%0")
  return "^" .. table.concat(parts) .. "$"
end

local function line_matches(exp, got)
  if not exp:find(ELLIPSIS, 1, true) then return exp == got end
  return got:match(line_pattern(exp)) ~= nil
end

-- Whether `actual` matches `expected`; on a mismatch also returns the first expected line
-- number (1-based, within the block) that could not be matched, and the actual line there.
function M.match(expected, actual)
  local e, a = trimmed_lines(expected), trimmed_lines(actual)
  local best_e, best_a = 0, 0
  local memo = {}
  local function go(i, j)
    local key = i * 100003 + j
    if memo[key] ~= nil then return memo[key] end
    local r
    if i > #e then
      r = j > #a
    elseif e[i] == ELLIPSIS then
      r = false
      for k = j, #a + 1 do
        if go(i + 1, k) then r = true break end
      end
    else
      r = j <= #a and line_matches(e[i], a[j]) and go(i + 1, j + 1)
      if not r and (i > best_e or (i == best_e and j > best_a)) then best_e, best_a = i, j end
    end
    memo[key] = r
    return r
  end
  if go(1, 1) then return true end
  return false, best_e, e[best_e], a[best_a]
end

-- Links and anchors ---------------------------------------------------------------------------

-- UTF-8 code points GitHub drops from a heading's anchor: punctuation and symbols.
local function dropped(cp)
  return (cp >= 0xA0 and cp <= 0xBF) or cp == 0xD7 or cp == 0xF7
      or (cp >= 0x2000 and cp <= 0x2BFF) or (cp >= 0x3000 and cp <= 0x303F)
      or (cp >= 0xFE30 and cp <= 0xFE4F) or (cp >= 0xFF00 and cp <= 0xFF0F)
      or (cp >= 0xFF1A and cp <= 0xFF20) or (cp >= 0xFF3B and cp <= 0xFF40)
      or (cp >= 0xFF5B and cp <= 0xFF65)
end

-- The anchor GitHub gives a heading: lower case, punctuation and symbols dropped (but - and
-- _), spaces to hyphens.
function M.slug(heading)
  local s = heading:gsub("%[([^%]]*)%]%b()", "%1") -- a link in a heading keeps its text
  local out = {}
  for _, cp in utf8.codes(s) do
    if cp < 128 then
      local c = string.char(cp)
      if c:match("[%w_%-]") then out[#out + 1] = c:lower()
      elseif c == " " then out[#out + 1] = "-" end
    elseif not dropped(cp) then
      out[#out + 1] = utf8.char(cp)
    end
  end
  return table.concat(out)
end

-- The anchors of a Markdown text (headings, with -1, -2 … for repeats, and <a id="..">).
function M.anchors(text)
  local _, prose = M.parse(text)
  local set, seen = {}, {}
  for _, p in ipairs(prose) do
    local h = p.text:match("^#+%s+(.-)%s*#*%s*$")
    if h then
      local s = M.slug(h)
      if seen[s] then
        seen[s] = seen[s] + 1
        set[s .. "-" .. seen[s]] = true
      else
        seen[s] = 0
        set[s] = true
      end
    end
    for id in p.text:gmatch('<a%s+id="([^"]+)"') do set[id] = true end
  end
  return set
end

-- The links of a Markdown text outside code: { target =, line = }.
function M.links(text)
  local _, prose = M.parse(text)
  local out = {}
  for _, p in ipairs(prose) do
    local t = p.text:gsub("``.-``", ""):gsub("`[^`]*`", "")
    for target in t:gmatch("%]%(([^%)%s]+)[^%)]*%)") do
      out[#out + 1] = { target = target, line = p.line }
    end
  end
  return out
end

return M
