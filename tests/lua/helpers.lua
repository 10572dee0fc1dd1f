-- What the spec files share: the gradlab module of $BUILD (build/, or
-- build-asan/ for make asan) and err(). A spec starts with
--   local helpers = dofile("tests/lua/helpers.lua")
--   local gl, err = helpers.gl, helpers.err
-- and runs from the repo root, as tests/suites/lua.sh runs busted.
package.cpath = (os.getenv("BUILD") or "build") .. "/?.so;" .. package.cpath
local gl = require "gradlab"

-- The message of the error fn(...) raises, without its "file:line: " prefix;
-- fails the test when fn returns instead. (Plain error: busted's assert is
-- in the specs' environment, not in this file's.)
local function err(fn, ...)
  local ok, e = pcall(fn, ...)
  if ok then error("expected an error", 2) end
  return (tostring(e):gsub("^[^\n:]+:%d+: ", ""))
end

return { gl = gl, err = err }
