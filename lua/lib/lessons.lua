-- gradlab.lessons — the lesson runner.
--
-- A lesson is a Lua file in lessons/ (built into the program as the module
-- "lessons.<file name>") that returns a table:
--
--   {
--     title    = "Cross-entropy stays the same for two different outputs",
--     source   = "where the question was asked",
--     question = [[one paragraph: what the asker saw]],
--     steps = {
--       { title = "...",
--         text = [[prose shown before the code]],
--         original = { lang = "Python", code = [[the asker's code]] },   -- optional
--         lua = [[the gradlab Lua that replays it: run in the lesson's
--                 environment, its output shown]],
--         after = [[prose shown after the output]] },                   -- optional
--       ...
--     },
--     try = [[what to try at the prompt, with the lesson's variables in scope]],
--   }
--
-- Step code runs in one environment per lesson (globals fall through to _G),
-- with these helpers:
--   expect(value, golden, tol, what)  check a number the lesson claims
--   show(...)                         print values (tensors pretty-printed)
--   printf(fmt, ...)                  print(string.format(fmt, ...))
--   py2(x)                            a float as Python 2's print showed it (%.12g)
--   save_plot(name)                   save the window to a PNG (check mode: a temp dir)
--   CHECK                             true in check mode (no pauses, no window)
--
-- Check mode (`gradlab lesson N --check`): no pauses, plots drawn offscreen
-- and saved under a temp dir, every expectation checked; play() returns
-- false when any failed, and the program exits non-zero.

local M = {}

local state = { lesson = nil, step = 0, env = nil, opts = nil }

-- Wraps prose to the width; a line starting with "- " starts a list item
-- (wrapped with a hanging indent), a blank line starts a paragraph.
local function wrap(text, width)
  width = width or 78
  local out, words, indent = {}, nil, ""
  local function flush()
    if not words then return end
    local line = ""
    for _, word in ipairs(words) do
      if #line + #word + 1 > width and line ~= "" then
        out[#out + 1] = line
        line = indent .. word
      else
        line = line == "" and word or line .. " " .. word
      end
    end
    out[#out + 1] = line
    words = nil
  end
  for raw in (text .. "\n"):gmatch("(.-)\n") do
    local line = raw:gsub("^%s+", ""):gsub("%s+$", "")
    if line == "" then
      flush()
      if out[#out] ~= "" and #out > 0 then out[#out + 1] = "" end
    elseif line:match("^[%-%*] ") then
      flush()
      words, indent = {}, "  "
      for w in line:gmatch("%S+") do words[#words + 1] = w end
    else
      if not words then words, indent = {}, "" end
      for w in line:gmatch("%S+") do words[#words + 1] = w end
    end
  end
  flush()
  return table.concat(out, "\n") .. "\n"
end

local function dedent(code)
  code = code:gsub("^\n", ""):gsub("%s+$", "")
  local indent
  for line in code:gmatch("[^\n]+") do
    local lead = line:match("^( *)%S")
    if lead and (not indent or #lead < #indent) then indent = lead end
  end
  if indent and #indent > 0 then
    code = ("\n" .. code):gsub("\n" .. indent, "\n"):sub(2)
  end
  return code
end

local function lines_of(s)
  local t = {}
  for line in (s .. "\n"):gmatch("(.-)\n") do t[#t + 1] = line end
  return t
end

local function utf8len(s) return utf8.len(s) or #s end

local function pad(s, w)
  local n = utf8len(s)
  if n > w then
    -- cut by characters, not bytes
    local cut = utf8.offset(s, w) or (w + 1)
    return s:sub(1, cut - 1) .. "…"
  end
  return s .. string.rep(" ", w - n)
end

local function term_width()
  return tonumber(os.getenv("COLUMNS") or "") or (gl._term_width and gl._term_width()) or 100
end

local color = not os.getenv("NO_COLOR") and gl and gl._isatty and gl._isatty(1)
local function style(code, s) return color and ("\27[" .. code .. "m" .. s .. "\27[0m") or s end

-- The original snippet beside the gradlab Lua when the terminal is wide
-- enough, else one after the other.
local function show_code(original, lua)
  local width = term_width()
  local col = math.floor((width - 3) / 2)
  local a, b = original and lines_of(dedent(original.code)), lines_of(dedent(lua))
  local fits = true -- the Lua, which is what runs, is never cut: too wide, one after the other
  for _, line in ipairs(b) do fits = fits and utf8len(line) <= col end
  if original and width >= 120 and fits then
    print(style("1", pad(original.lang .. " (original)", col)) .. " │ " .. style("1", "gradlab Lua"))
    print(string.rep("─", col) .. "─┼─" .. string.rep("─", col))
    for i = 1, math.max(#a, #b) do
      print(pad(a[i] or "", col) .. " │ " .. (b[i] or ""))
    end
  else
    if original then
      print(style("1", "── " .. original.lang .. " (original) ──"))
      print(dedent(original.code))
      print()
    end
    print(style("1", "── gradlab Lua ──"))
    print(dedent(lua))
  end
  print()
end

local function make_env(opts, report)
  local env = setmetatable({}, { __index = _G })
  env.CHECK = opts.check or false
  env.gl = gl
  env.printf = function(fmt, ...) print(string.format(fmt, ...)) end
  env.py2 = function(x) return string.format("%.12g", x) end
  env.show = function(...)
    local n = select("#", ...)
    local parts = {}
    for i = 1, n do parts[i] = tostring((select(i, ...))) end
    print(table.concat(parts, "\t"))
  end
  env.expect = function(value, golden, tol, what)
    if type(value) == "userdata" then value = value:item() end
    tol = tol or 1e-9
    local ok = type(value) == "number" and (value == golden or math.abs(value - golden) <= tol)
    report.checked = report.checked + 1
    if not ok then
      report.failed[#report.failed + 1] = string.format("%s: got %s, expected %.12g ± %g",
        what or "value", tostring(value), golden, tol)
      print(style("31", string.format("  ✗ %s = %s, expected %.12g ± %g", what or "value",
        tostring(value), golden, tol)))
    elseif opts.check then
      print(style("32", string.format("  ✓ %s = %.12g", what or "value", value)))
    end
    return ok
  end
  env.save_plot = function(name)
    if not (gl.viz and gl.viz.save) then return nil end
    local dir = opts.outdir or os.getenv("TMPDIR") or "/tmp"
    local path = dir .. "/" .. name
    gl.viz.save(path)
    print("  (picture saved to " .. path .. ")")
    return path
  end
  return env
end

-- Every lesson built into the program, in file order: { {module=, lesson=}, ... }
local function catalog()
  local names = {}
  for name in pairs(package.preload) do -- the binding preloads every built-in module
    if type(name) == "string" and name:match("^lessons%.%d") then names[#names + 1] = name end
  end
  table.sort(names)
  local out = {}
  for _, name in ipairs(names) do
    local ok, lesson = pcall(require, name)
    if not ok or type(lesson) ~= "table" then -- say so: a silent skip would hide the error
      io.stderr:write(string.format("gradlab: lesson %s does not load: %s\n", name,
        ok and "it returns no table" or tostring(lesson)))
    else
      out[#out + 1] = { module = name, lesson = lesson, number = tonumber(name:match("^lessons%.(%d+)")),
                        short = (name:gsub("^lessons%.%d+_", "")) }
    end
  end
  return out
end

function M.list()
  local all = catalog()
  if #all == 0 then
    print("no lessons are built into this gradlab")
    return all
  end
  for _, e in ipairs(all) do
    print(string.format("%2d  %-22s %s", e.number, e.short, e.lesson.title))
  end
  print("\nplay one: gradlab lesson N   (or :lesson N at the prompt)")
  return all
end

local function find(which)
  local all = catalog()
  local n = tonumber(which)
  for _, e in ipairs(all) do
    if e.number == n or e.short == which or e.module == which
       or e.module == "lessons." .. tostring(which) then
      return e, e.number
    end
  end
  return nil
end

-- Reads one key-line at a pause: "" (go on), "q" or "p".
local function pause()
  io.write(style("2", "[Enter] next · p prompt · q quit > "))
  io.flush()
  local line = io.read("l")
  if line == nil then return "q" end
  line = line:lower():gsub("%s", "")
  if line == "q" or line == "p" then return line end
  return ""
end

local function run_step(step, env, report, number, total)
  print(style("1;36", string.format("── step %d/%d: %s ", number, total, step.title or "")))
  print()
  if step.text then print(wrap(step.text)) end
  if step.lua then
    show_code(step.original, step.lua)
    print(style("2", "── output ──"))
    local chunk, err = load(dedent(step.lua), "=" .. (state.chunkname or "lesson") .. ":step" .. number, "t", env)
    if not chunk then error(err, 0) end
    local ok, msg = xpcall(chunk, debug.traceback)
    if not ok then
      report.failed[#report.failed + 1] = "step " .. number .. " raised an error: " .. tostring(msg)
      print(style("31", "error: " .. tostring(msg)))
    end
    print()
  end
  if step.after then print(wrap(step.after)) end
end

-- Copies the lesson's variables to the globals, so the prompt sees them.
local function expose(env)
  for k, v in pairs(env) do
    if type(k) == "string" and k ~= "CHECK" then rawset(_G, k, v) end
  end
end

local function continue_lesson()
  local lesson, env, opts, report = state.lesson, state.env, state.opts, state.report
  local total = #lesson.steps
  while state.step < total do
    state.step = state.step + 1
    run_step(lesson.steps[state.step], env, report, state.step, total)
    if not opts.check and state.step < total then
      local key = pause()
      if key == "q" then
        print("lesson stopped; :lesson " .. state.index .. " starts it again")
        expose(env)
        state.lesson = nil
        return true
      elseif key == "p" then
        expose(env)
        print("the lesson's variables are in scope; :next goes on with step " .. (state.step + 1))
        return true
      end
    end
  end
  -- the end
  if lesson.try then
    print(style("1;36", "── try it "))
    print(wrap(lesson.try))
  end
  local failed = #report.failed
  if opts.check then
    print(string.format("%s: %d checks, %d failed", state.chunkname, report.checked, failed))
    for _, f in ipairs(report.failed) do print("  " .. f) end
  elseif failed > 0 then
    print(style("31", string.format("%d of the lesson's %d checks did not hold:", failed, report.checked)))
    for _, f in ipairs(report.failed) do print("  " .. f) end
  end
  expose(env)
  state.lesson = nil
  return failed == 0
end

-- play(N or name, {check = bool, outdir = path}): plays a lesson. Returns
-- true when every check held (check mode) or the lesson ended or paused.
function M.play(which, opts)
  opts = opts or {}
  local entry, index = find(which)
  if not entry then
    error(string.format("no lesson %q; `gradlab lessons` lists them", tostring(which)), 0)
  end
  local lesson = entry.lesson
  if opts.check and not opts.outdir then
    opts.outdir = os.tmpname()
    os.remove(opts.outdir)
    os.execute("mkdir -p '" .. opts.outdir .. "'")
  end
  local report = { checked = 0, failed = {} }
  state = { lesson = lesson, step = 0, opts = opts, report = report, index = index,
            chunkname = entry.short }
  state.env = make_env(opts, report)
  local old_mode = gl.broadcast_mode and gl.broadcast_mode("warn")
  print(style("1", string.format("Lesson %d: %s", index, lesson.title)))
  if lesson.source then print(style("2", lesson.source)) end
  print()
  print(wrap(lesson.question))
  local ok = continue_lesson()
  if old_mode and gl.broadcast_mode then gl.broadcast_mode(old_mode) end
  return ok
end

-- :next at the prompt: goes on with a lesson paused with `p`.
function M.next()
  if not state.lesson then
    print("no lesson is paused; :lessons lists them, :lesson N plays one")
    return false
  end
  return continue_lesson()
end

return M
