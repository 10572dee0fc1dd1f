-- gradlab._util — helpers shared by the Lua parts of the module (nn, optim,
-- fit, progress). Not public API: names may change.
--
-- The C part of the module (lua/*.c) is found through package.loaded.gradlab:
-- luaopen_gradlab stores its table there before it requires the Lua parts.

local M = {}

local gl = package.loaded.gradlab
if type(gl) ~= "table" then
  error("gradlab._util: load the Lua parts through require \"gradlab\" "
        .. "(package.loaded.gradlab is not set yet)", 0)
end
M.gl = gl

-- ------------------------------------------------------------- doc strings

-- Registers a one-line signature and a doc string for fn with gl.help
-- (gl._doc, lua/lhelp.c). Returns fn.
function M.doc(fn, signature, text)
  local register = rawget(gl, "_doc")
  if register then register(fn, signature, text) end
  return fn
end

-- ----------------------------------------------------------------- tensors

-- True for a gradlab tensor.
local is_tensor = gl.is_tensor
function M.is_tensor(v)
  return is_tensor(v)
end

-- "(2,3)" as the engine writes shapes in its messages.
function M.shape_str(t)
  return "(" .. table.concat(t.shape, ",") .. ")"
end

function M.is_floating(t)
  local dt = t.dtype
  return dt == "float32" or dt == "float64"
end

-- Converts t to dtype dt ("float32", "float64", "int64"); t itself when it
-- already has that dtype.
function M.to_dtype(t, dt)
  if t.dtype == dt then return t end
  return t:to(dt)
end

-- A tensor from a tensor, a number or a (nested) Lua table; opts as gl.tensor's.
function M.as_tensor(v, opts)
  if M.is_tensor(v) then return v end
  return gl.tensor(v, opts)
end

-- Argument errors in Lua's own wording: "bad argument #2 to 'nn.Linear' (...)".
-- level: as error()'s, counted from the caller of argerror (default: the
-- caller of the function that called argerror).
function M.argerror(n, fname, msg, level)
  error(string.format("bad argument #%d to '%s' (%s)", n, fname, msg), (level or 2) + 1)
end

-- Calls a C function of the module for the public Lua function that called
-- this one, so that an engine error points at the user's line, not here:
--   return util.call_for_user(C.mse_loss, pred, target, r)
-- (Callers write `return (util.call_for_user(...))`: the parentheses stop a
-- tail call, which would drop the frame whose caller is the user.)
function M.call_for_user(cfn, ...)
  local res = table.pack(pcall(cfn, ...))
  if res[1] then return table.unpack(res, 2, res.n) end
  local msg = res[2]
  if type(msg) == "string" then msg = msg:gsub("^[^\n]-lua/lib/[%w_]+%.lua:%d+: ", "") end
  error(msg, 3)
end

-- Lua's type name, or "tensor" for a tensor.
function M.typename(v)
  if M.is_tensor(v) then return "tensor" end
  return type(v)
end

-- A function of the C part (gl._mse_loss, ...), checked once at load.
function M.c_function(name)
  local f = rawget(gl, name)
  if type(f) ~= "function" then
    error("gradlab: the C part of the module has no gl." .. name, 0)
  end
  return f
end

-- -------------------------------------------------- clocks and terminals

-- Wall-clock seconds from an arbitrary origin (monotonic: lua/lsys.c).
function M.clock()
  return gl._clock()
end

-- True when standard output (fd 1) is a terminal. Looked up through M at
-- each call, so tests can pretend.
function M.stdout_is_terminal()
  return gl._isatty(1) == true
end

-- -------------------------------------------------------------- Ctrl-C

-- True for the error of an interruption: the REPL's hook raises
-- "interrupted!", an engine loop that saw the flag fails with "interrupted".
function M.is_interrupt(err)
  if type(err) ~= "string" then return false end
  return err:match("^interrupted!?$") ~= nil or err:match(": interrupted!?$") ~= nil
end

-- After an interruption was caught and handled, clears the engine's flag so
-- that the engine's long loops run again in the rest of the chunk.
function M.clear_interrupt()
  gl._clear_interrupt()
end

-- Runs fn(...) with Ctrl-C deferred: an interruption that arrives meanwhile
-- is raised after fn returns, never in the middle of it. Used so that an
-- optimizer step updates every parameter or none.
--
-- How: Ctrl-C arms a hook that raises "interrupted!" on the thread that runs
-- the chunk (repl/run.c: lua_sethook on the state passed to lua_pcall). fn
-- runs in a coroutine of its own, whose hook is cleared: a hook armed
-- meanwhile waits on the calling thread and fires once fn has returned. The
-- engine's optimizer steps (engine/optim.c) do not check gl_interrupted, so
-- nothing else can cut fn short. fn must not yield.
function M.critical(fn, ...)
  local co = coroutine.create(fn)
  if debug and debug.sethook then debug.sethook(co) end
  local res = table.pack(coroutine.resume(co, ...))
  if not res[1] then error(res[2], 0) end
  return table.unpack(res, 2, res.n)
end

-- pcall(fn, ...) that also catches an interruption still pending when fn
-- fails: when an engine loop fails with "interrupted", the REPL's hook is
-- armed as well and would raise "interrupted!" at the caller's very next
-- instruction. Returns pcall's results.
function M.protected(fn, ...)
  local args = table.pack(...)
  local outer = table.pack(pcall(function()
    local res = table.pack(pcall(fn, table.unpack(args, 1, args.n)))
    return res   -- a pending hook fires here, inside the outer pcall
  end))
  if outer[1] then
    local res = outer[2]
    return table.unpack(res, 1, res.n)
  end
  return false, outer[2]
end

return M
