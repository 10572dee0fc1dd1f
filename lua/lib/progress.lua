-- gradlab.progress — a one-line progress bar for training loops, redrawn in
-- place with "\r" at most ten times a second, on a terminal only.
--
--   local bar = require("gradlab.progress").new{total = 500}
--   for epoch = 1, 500 do ...; bar:update(epoch, loss) end
--   bar:finish()
--
--   epoch  120/500 [====>               ] loss 0.01234  850 ep/s  ETA 0s

local util = require "gradlab._util"

local M = {}

local Bar = {}
Bar.__index = Bar

-- opts: total (required), label ("epoch"), enabled (default: stdout is a
-- terminal), out (io.stdout), interval (0.1 s between redraws), width (20),
-- clock (util.clock; tests pass their own).
function M.new(opts)
  local self = setmetatable({
    total = assert(opts.total, "progress.new: total required"),
    label = opts.label or "epoch",
    out = opts.out or io.stdout,
    interval = opts.interval or 0.1,
    width = opts.width or 20,
    clock = opts.clock or util.clock,
    drawn = false,      -- a line is on the screen, not yet ended
    last_draw = nil,
  }, Bar)
  if opts.enabled == nil then
    self.enabled = util.stdout_is_terminal()
  else
    self.enabled = opts.enabled and true or false
  end
  self.start = self.clock()
  return self
end

-- 83 -> "1m23s"
function M.format_duration(s)
  if s ~= s or s == math.huge then return "?" end
  s = math.floor(s + 0.5)
  if s < 60 then return string.format("%ds", s) end
  if s < 3600 then return string.format("%dm%02ds", s // 60, s % 60) end
  return string.format("%dh%02dm", s // 3600, (s % 3600) // 60)
end

local function format_rate(r)
  if r >= 100 then return string.format("%.0f", r) end
  if r >= 10 then return string.format("%.1f", r) end
  return string.format("%.2f", r)
end

-- The text of the line after k of total steps, elapsed seconds in.
function Bar:line(k, loss, elapsed)
  local total = self.total
  local frac = total > 0 and math.min(k / total, 1) or 1
  local filled = math.floor(frac * self.width)
  local bar
  if filled >= self.width then
    bar = string.rep("=", self.width)
  else
    bar = string.rep("=", filled) .. ">" .. string.rep(" ", self.width - filled - 1)
  end
  local digits = #tostring(total)
  local parts = { string.format("%s %" .. digits .. "d/%d [%s]", self.label, k, total, bar) }
  if loss ~= nil then parts[#parts + 1] = string.format("loss %.4g", loss) end
  if elapsed > 0 and k > 0 then
    local rate = k / elapsed
    parts[#parts + 1] = format_rate(rate) .. " " .. (self.label == "epoch" and "ep" or "it") .. "/s"
    if k < total then
      parts[#parts + 1] = "ETA " .. M.format_duration((total - k) / rate)
    else
      parts[#parts + 1] = "in " .. M.format_duration(elapsed)
    end
  end
  return table.concat(parts, "  ")
end

-- Shows step k of total (with its loss); redraws at most every interval
-- seconds, and always at the last step.
function Bar:update(k, loss)
  if not self.enabled then return end
  local now = self.clock()
  if self.last_draw and k < self.total and now - self.last_draw < self.interval then return end
  self.last_draw = now
  self.out:write("\r", self:line(k, loss, now - self.start), "\27[K")
  self.out:flush()
  self.drawn = true
end

-- Ends the line (if one was drawn), so what follows starts on its own.
function Bar:finish()
  if self.drawn then
    self.out:write("\n")
    self.out:flush()
    self.drawn = false
  end
end

return M
