-- links.lua — every relative link of README.md and docs/*.md resolves: the file (or folder)
-- exists, and an anchor (#…) names a heading of the Markdown file it points into.
--
--   lua5.4 links.lua SOURCE_ROOT
--
-- Links to http(s) and mailto are not followed. Links inside code are not links.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local md = require "md"

local root = arg[1]
if not root then
  io.stderr:write("usage: lua5.4 links.lua SOURCE_ROOT\n")
  os.exit(2)
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

local function pages()
  local list = { "README.md" }
  local p = io.popen("cd '" .. root .. "' && ls docs/*.md 2>/dev/null")
  for name in p:lines() do list[#list + 1] = name end
  p:close()
  return list
end

-- a/b/../c -> a/c
local function normalize(path)
  local parts = {}
  for seg in path:gmatch("[^/]+") do
    if seg == ".." and #parts > 0 and parts[#parts] ~= ".." then parts[#parts] = nil
    elseif seg ~= "." then parts[#parts + 1] = seg end
  end
  return table.concat(parts, "/")
end

local anchors_of = {}
local function anchors(rel)
  if not anchors_of[rel] then anchors_of[rel] = md.anchors(md.read(root .. "/" .. rel)) end
  return anchors_of[rel]
end

local failures, checked = 0, 0
for _, page in ipairs(pages()) do
  local dir = page:match("^(.*)/[^/]*$") or ""
  for _, l in ipairs(md.links(md.read(root .. "/" .. page))) do
    local t = l.target
    if not (t:match("^https?:") or t:match("^mailto:")) then
      checked = checked + 1
      local path, anchor = t:match("^([^#]*)#?(.*)$")
      local rel = path == "" and page or normalize((dir ~= "" and dir .. "/" or "") .. path)
      local problem
      if not exists(root .. "/" .. rel) then
        problem = "no such file: " .. rel
      elseif anchor ~= "" then
        if not rel:match("%.md$") then
          problem = "an anchor into a file that is not Markdown: " .. rel
        elseif not anchors(rel)[anchor] then
          problem = ("%s has no heading with the anchor #%s"):format(rel, anchor)
        end
      end
      if problem then
        failures = failures + 1
        print(("%s:%d: broken link (%s): %s"):format(page, l.line, t, problem))
      end
    end
  end
end
print(("%d relative links checked, %d broken"):format(checked, failures))
os.exit(failures == 0 and 0 or 1)
