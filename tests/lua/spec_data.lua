-- Tensors in files: gl.save_npy / gl.load_npy (NumPy's .npy) and gl.load_csv.
-- Where /usr/bin/python3 has NumPy, files are also checked against numpy.load
-- and numpy.save.
-- Run from the repo root: sh tests/suites/lua.sh (or busted --lua=lua5.4 -p spec_ tests/lua)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err

local dir
setup(function()
  dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
end)
teardown(function() os.execute("rm -rf " .. dir) end)

local function path(name) return dir .. "/" .. name end

local function write(name, bytes)
  local f = assert(io.open(path(name), "wb"))
  f:write(bytes)
  f:close()
  return path(name)
end

local function read(name)
  local f = assert(io.open(path(name), "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- A .npy file: format 1.0 header (padded to 64 bytes) then data.
local function npy(descr, shape, data, fortran)
  local h = string.format("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
    fortran and "True" or "False", shape)
  local total = 10 + #h + 1
  h = h .. string.rep(" ", (total + 63) // 64 * 64 - total) .. "\n"
  return "\x93NUMPY\1\0" .. string.pack("<I2", #h) .. h .. data
end

local function pack_all(fmt, values)
  local out = {}
  for i, v in ipairs(values) do out[i] = string.pack(fmt, v) end
  return table.concat(out)
end

local has_numpy = os.execute("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == true

local function python(code)
  local p = io.popen("/usr/bin/python3 -c '" .. code .. "' 2>&1")
  local out = p:read("a")
  p:close()
  return out
end

describe("save_npy / load_npy", function()
  it("round-trips every dtype", function()
    local cases = {
      gl.tensor({{1.5, -2}, {3, 4e-3}}),
      gl.tensor({{1.5, -2}, {3, 1 / 3}}, {dtype = "float64"}),
      gl.tensor({1, -2, 1099511627776}, {dtype = "int64"}),
      gl.tensor({true, false, true}),
      gl.tensor(2.5),
      gl.zeros(0, 3),
      gl.arange(24):reshape(2, 3, 4),
    }
    for i, t in ipairs(cases) do
      local p = path("rt" .. i .. ".npy")
      gl.save_npy(t, p)
      local back = gl.load_npy(p)
      assert.are.equal(t.dtype, back.dtype, "case " .. i)
      assert.are.same(t.shape, back.shape, "case " .. i)
      assert.are.same(t:totable(), back:totable(), "case " .. i)
    end
  end)

  it("writes the header numpy writes, padded to 64 bytes, C order", function()
    gl.save_npy(gl.tensor{{1, 2, 3}, {4, 5, 6}}.T, path("t.npy")) -- a transpose is saved in C order
    local s = read("t.npy")
    assert.are.equal("\x93NUMPY\1\0", s:sub(1, 8))
    local hlen = string.unpack("<I2", s, 9)
    assert.are.equal(0, (10 + hlen) % 64)
    assert.are.equal("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }",
      s:sub(11, 10 + hlen):match("^(.-)%s*$"))
    assert.are.same({1, 4, 2, 5, 3, 6, #s + 1}, {string.unpack("<ffffff", s, 11 + hlen)})
    gl.save_npy(gl.tensor({7}, {dtype = "int64"}), path("one.npy"))
    assert.truthy(read("one.npy"):find("'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", 1, true))
    gl.save_npy(gl.tensor(true), path("b.npy"))
    assert.truthy(read("b.npy"):find("'descr': '|b1', 'fortran_order': False, 'shape': (), }", 1, true))
  end)

  it("loads '<i4' as int64 and transposes a fortran_order file into C order", function()
    local t = gl.load_npy(write("i4.npy", npy("<i4", "(3,)", pack_all("<i4", {1, -2, 2147483647}))))
    assert.are.equal("int64", t.dtype)
    assert.are.same({1, -2, 2147483647}, t:totable())
    -- column-major data of [[1, 2, 3], [4, 5, 6]]
    local f = gl.load_npy(write("f.npy", npy("<f8", "(2, 3)", pack_all("<d", {1, 4, 2, 5, 3, 6}), true)))
    assert.are.same({{1, 2, 3}, {4, 5, 6}}, f:totable())
    assert.are.equal("float64", f.dtype)
  end)

  it("reads format 2.0", function()
    local h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
    h = h .. string.rep(" ", 64 - (12 + #h + 1) % 64) .. "\n"
    local t = gl.load_npy(write("v2.npy", "\x93NUMPY\2\0" .. string.pack("<I4", #h) .. h .. pack_all("<f", {1, 2})))
    assert.are.same({1, 2}, t:totable())
  end)

  it("names the file and the problem", function()
    local p = path("nope.npy")
    assert.are.equal("load_npy: " .. p .. ": No such file or directory", err(gl.load_npy, p))
    p = write("magic.npy", "PK\3\4 not numpy at all")
    assert.are.equal("load_npy: " .. p .. ": not a .npy file (bad magic)", err(gl.load_npy, p))
    p = write("trunc.npy", npy("<f4", "(2, 3)", pack_all("<f", {1, 2, 3})))
    assert.are.equal("load_npy: " .. p .. ": truncated data: shape (2,3) needs 24 bytes, the file has 12",
      err(gl.load_npy, p))
    p = write("head.npy", npy("<f4", "(2,)", ""):sub(1, 30))
    assert.are.equal("load_npy: " .. p .. ": truncated header", err(gl.load_npy, p))
    p = write("be.npy", npy(">f4", "(1,)", "\0\0\0\0"))
    assert.are.equal("load_npy: " .. p .. ": unsupported dtype '>f4' (supported: <f4 <f8 <i8 <i4 |b1)",
      err(gl.load_npy, p))
    p = write("c8.npy", npy("<c8", "(1,)", string.rep("\0", 8)))
    assert.are.equal("load_npy: " .. p .. ": unsupported dtype '<c8' (supported: <f4 <f8 <i8 <i4 |b1)",
      err(gl.load_npy, p))
    p = write("v9.npy", "\x93NUMPY\9\0\0\0")
    assert.are.equal("load_npy: " .. p .. ": unsupported .npy version 9.0", err(gl.load_npy, p))
    p = write("shape.npy", npy("<f4", "(2, x)", ""))
    assert.matches("^load_npy: .-: bad shape in header", err(gl.load_npy, p))
    p = write("empty.npy", "")
    assert.are.equal("load_npy: " .. p .. ": not a .npy file (bad magic)", err(gl.load_npy, p))
    p = dir .. "/no/such/dir/x.npy"
    assert.are.equal("save_npy: " .. p .. ": No such file or directory", err(gl.save_npy, gl.ones(1), p))
  end)

  it("interoperates with numpy", function()
    if not has_numpy then pending("no NumPy for /usr/bin/python3") return end
    gl.save_npy(gl.tensor{{1.5, 2}, {3, 4}}, path("g32.npy"))
    gl.save_npy(gl.tensor({1, 2}, {dtype = "float64"}), path("g64.npy"))
    gl.save_npy(gl.tensor({5, -6}, {dtype = "int64"}), path("gi.npy"))
    gl.save_npy(gl.tensor{true, false}, path("gb.npy"))
    assert.are.equal("float32 [[1.5, 2.0], [3.0, 4.0]]|float64 [1.0, 2.0]|int64 [5, -6]|bool [True, False]\n",
      python("import numpy as np; print(\"|\".join(\"%s %s\" % (a.dtype, a.tolist()) for a in " ..
        "[np.load(\"" .. dir .. "/\" + n) for n in (\"g32.npy\", \"g64.npy\", \"gi.npy\", \"gb.npy\")]))"))
    assert.are.equal("", python("import numpy as np; d = \"" .. dir .. "/\"; " ..
      "np.save(d + \"n32.npy\", np.array([[1, 2], [3, 4]], dtype=np.float32)); " ..
      "np.save(d + \"n64.npy\", np.array([0.1, 0.2])); " ..
      "np.save(d + \"ni.npy\", np.array([7, 8], dtype=np.int64)); " ..
      "np.save(d + \"ni4.npy\", np.array([7, 8], dtype=np.int32)); " ..
      "np.save(d + \"nb.npy\", np.array([True, False])); " ..
      "np.save(d + \"nf.npy\", np.asfortranarray(np.arange(6.0).reshape(2, 3)))"))
    assert.are.same({{1, 2}, {3, 4}}, gl.load_npy(path("n32.npy")):totable())
    assert.are.same({0.1, 0.2}, gl.load_npy(path("n64.npy")):totable())
    assert.are.same({7, 8}, gl.load_npy(path("ni.npy")):totable())
    assert.are.equal("int64", gl.load_npy(path("ni4.npy")).dtype)
    assert.are.same({true, false}, gl.load_npy(path("nb.npy")):totable())
    assert.are.same({{0, 1, 2}, {3, 4, 5}}, gl.load_npy(path("nf.npy")):totable())
  end)
end)

describe("load_csv", function()
  it("reads numbers into a 2-D float32 tensor", function()
    local t, names = gl.load_csv(write("a.csv", "1,2,3\n4,5,6\n"))
    assert.are.equal("float32", t.dtype)
    assert.are.same({{1, 2, 3}, {4, 5, 6}}, t:totable())
    assert.is_nil(names)
  end)

  it("returns the header's names (guessed, or told)", function()
    local t, names = gl.load_csv(write("h.csv", "x1, x2,\"y, the target\"\r\n0.5,1e-3,-2\r\n\n# a comment\n1, 2 ,3\n"))
    assert.are.same({"x1", "x2", "y, the target"}, names)
    assert.are.same({2, 3}, t.shape)
    assert.are.same({1, 2, 3}, t[2]:totable())
    local t2, n2 = gl.load_csv(write("n.csv", "1,2\n3,4\n"), {header = true})
    assert.are.same({"1", "2"}, n2)
    assert.are.same({{3, 4}}, t2:totable())
  end)

  it("takes dtype and sep; empty fields are NaN", function()
    local t = gl.load_csv(write("d.csv", "1;2\n3;\n"), {dtype = "float64", sep = ";"})
    assert.are.equal("float64", t.dtype)
    assert.are.equal(1, t[{1, 1}])
    assert.is_true(t[{2, 2}] ~= t[{2, 2}])
    assert.are.same({{1, 2}}, gl.load_csv(write("i.csv", "1,2\n"), {dtype = "int64"}):totable())
  end)

  it("gives an empty (0, columns) tensor for a header alone", function()
    local t, names = gl.load_csv(write("e.csv", "a,b\n"))
    assert.are.same({0, 2}, t.shape)
    assert.are.same({"a", "b"}, names)
  end)

  it("names the file and the problem", function()
    local p = write("r.csv", "a,b,c\n1,2,3\n4,5\n")
    assert.are.equal("load_csv: " .. p .. ": ragged rows: line 3 has 2 fields, expected 3", err(gl.load_csv, p))
    p = write("x.csv", "1,2\n3,abc\n")
    assert.are.equal("load_csv: " .. p .. ": line 2, field 2: 'abc' is not a number", err(gl.load_csv, p))
    p = path("missing.csv")
    assert.are.equal("load_csv: " .. p .. ": No such file or directory", err(gl.load_csv, p))
    assert.are.equal("bad argument #2 to 'load_csv' (sep must be a one-character string)",
      err(function() return gl.load_csv(p, {sep = ";;"}) end))
  end)
end)
