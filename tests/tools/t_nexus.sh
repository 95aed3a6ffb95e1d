# t_nexus.sh: HDF5/NeXus results and provenance of csro-map, csro-stats and
# csro-classify, opened with h5py (shape, origin, spacing, NeXus attributes,
# values against a NumPy scatter of the voxels); the provenance record in
# every output kind (HDF5, TIFF ImageJ description, VTI, JSON) with the
# input's size and CRC-32 checked by zlib; bad outputs.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
MK="$PYTHON $CSRO_SRCDIR/tests/tools/mk_prob.py"
$PYTHON -c 'import h5py' 2>/dev/null || { echo "skip: no h5py"; exit 0; }
if ! "$B/csro-map" --help | grep -q vti; then echo "skip: tools without HDF5/VTI outputs"; exit 0; fi

# grid [0,10]x[0,6]x[2,8], v = 1, s = 0.5: 19 x 11 x 11 voxels, 20 x 12 x 12 sub-cells
$PYTHON - "$T" <<'PY'
import sys, numpy as np
t = sys.argv[1]
p = np.full((11, 11, 19), 0.1, np.float32)      # (z, y, x)
p[2:5, 2:5, 2:5] = 1.0
np.save(t + "/p.npy", p)
np.save(t + "/s.npy", np.where(p == 1.0, 0.2, 0.05).astype(np.float32))
PY
$MK "$T/a.prob" --lo 0,0,2 --hi 10,6,8 --prob "$T/p.npy" --std "$T/s.npy" --pair Ni-Ni

"$B/csro-map" -q "$T/a.prob" -o "$T/map.h5" -t 3.5
"$B/csro-map" -q "$T/a.prob" -o "$T/map.tif" --vti "$T/map.vti"
"$B/csro-map" -q "$T/a.prob" -o "$T/map.nxs"
"$B/csro-stats" "$T/a.prob" -o "$T/stats.h5"
"$B/csro-stats" "$T/a.prob" -f json > "$T/stats.json"

$PYTHON - "$T" <<'PY'
import json, sys, zlib, os
import xml.etree.ElementTree as ET
import h5py, numpy as np, tifffile
t = sys.argv[1]
p = np.load(t + "/p.npy"); s = np.load(t + "/s.npy")
nz, ny, nx = p.shape
S = np.zeros((nz + 1, ny + 1, nx + 1)); U = np.zeros_like(S); N = np.zeros_like(S)
for dz in (0, 1):
    for dy in (0, 1):
        for dx in (0, 1):
            S[dz:dz + nz, dy:dy + ny, dx:dx + nx] += p
            U[dz:dz + nz, dy:dy + ny, dx:dx + nx] += s
            N[dz:dz + nz, dy:dy + ny, dx:dx + nx] += 1
raw = open(t + "/a.prob", "rb").read()
crc, size = "%08x" % zlib.crc32(raw), len(raw)
origin = np.array([0.0, 0.0, 2.0])  # corner of sub-cell 0 = grid lo

def check_process(proc, program, args):
    prog = proc["program/program"]
    assert proc["program"].attrs["NX_class"] == "NXprogram"
    assert prog[()].decode() == program and prog.attrs["version"], program
    assert proc["library/program"][()].decode() == "libcsro"
    cl = proc["command_line"][()].decode()
    assert program in cl and all(a in cl for a in args), cl
    inp = proc["input_1"]
    assert inp["file_name"][()].decode().endswith("a.prob")
    assert int(inp["size"][()]) == size and inp["checksum"][()].decode() == crc
    assert inp["checksum"].attrs["algorithm"] == "crc32"
    assert proc["date"][()].decode().endswith("Z")
    json.loads(proc["provenance"][()].decode())  # the same record as JSON

with h5py.File(t + "/map.h5", "r") as f:
    assert f.attrs["default"] == "entry"
    e = f["entry"]
    assert e.attrs["NX_class"] == "NXentry" and e.attrs["default"] == "map"
    assert e["process"].attrs["NX_class"] == "NXprocess"
    check_process(e["process"], "csro-map", ["-t 3.5", "map.h5"])
    # the command line as typed (not as getopt permuted it)
    assert e["process/command_line"][()].decode().endswith("-q %s/a.prob -o %s/map.h5 -t 3.5" % (t, t))
    assert e["process/parameters/threshold"][()].decode() == "3.5"
    d = e["map"]
    assert d.attrs["NX_class"] == "NXdata" and d.attrs["signal"] == "probability"
    assert list(d.attrs["axes"]) == ["z", "y", "x"]
    assert d.attrs["x_indices"] == 2 and d.attrs["z_indices"] == 0
    assert sorted(d.attrs["auxiliary_signals"]) == ["mask", "uncertainty"]
    m = d["probability"][()]
    assert m.shape == (12, 12, 20) and m.dtype == np.float32
    assert np.allclose(m, S, atol=1e-5)
    assert np.allclose(d["uncertainty"][()], U / N, atol=1e-5)
    assert np.array_equal(d["mask"][()], (S > 3.5).astype(np.uint8))
    assert np.allclose(d["origin"][()], origin) and np.allclose(d["spacing"][()], 0.5)
    assert np.allclose(d["x"][()], 0.25 + 0.5 * np.arange(20))
    assert np.allclose(d["z"][()], 2.25 + 0.5 * np.arange(12))
    assert d["x"].attrs["units"] == "nm" and d["origin"].attrs["units"] == "nm"
with h5py.File(t + "/map.nxs", "r") as f:
    assert f["entry/map/probability"].shape == (12, 12, 20)

# TIFF: origin and provenance in the ImageJ description
with tifffile.TiffFile(t + "/map.tif") as f:
    md = f.imagej_metadata
    assert np.allclose(f.asarray(), S, atol=1e-5)
assert [float(v) for v in md["origin_nm"].split(",")] == list(origin)
assert md["xorigin"] == 0 and md["zorigin"] == -4.0  # -origin/spacing in pixels
assert md["program"] == "csro-map" and md["input.1.crc32"] == crc and int(md["input.1.size"]) == size
assert "command_line" in md and md["library_version"]

# VTI: ElementTree + NumPy
rawv = open(t + "/map.vti", "rb").read()
head, _, rest = rawv.partition(b'<AppendedData encoding="raw">')
xml = ET.fromstring(head + b'<AppendedData encoding="raw"/></VTKFile>')
img = xml.find("ImageData")
assert img.get("WholeExtent").split() == ["0", "19", "0", "11", "0", "11"]
assert [float(v) for v in img.get("Origin").split()] == [0.25, 0.25, 2.25]
body = rest[rest.index(b"_") + 1:]
nb = int(np.frombuffer(body[:8], "<u8")[0])
assert np.allclose(np.frombuffer(body[8:8 + nb], "<f4").reshape(12, 12, 20), S, atol=1e-5)
assert b"program=csro-map" in head and crc.encode() in head

# csro-stats: the tables in HDF5, provenance in JSON
with h5py.File(t + "/stats.h5", "r") as f:
    e = f["entry"]
    check_process(e["process"], "csro-stats", ["stats.h5"])
    sm = e["summary"]
    assert sm.attrs["NX_class"] == "NXcollection"
    js = json.load(open(t + "/stats.json"))
    assert int(sm["domains"][()]) == js["domains"] == 1
    assert abs(float(sm["volume_fraction"][()]) - js["volume_fraction"]) < 1e-9
    h = e["diameter_histogram"]
    assert h.attrs["signal"] == "counts" and h["counts"][()].sum() == 1
    assert len(e["domains/diameter"][()]) == 1
prov = js["provenance"]
assert prov["program"] == "csro-stats" and prov["inputs"][0]["crc32"] == crc
assert prov["inputs"][0]["size"] == size and "command_line" in prov and "timestamp" in prov
print("nexus: map, stats checked")
PY

# csro-classify: per-voxel probabilities with the grid (published ensemble
# on a slab of the shipped real ions)
D=$CSRO_SRCDIR/data/mlapt
"$B/apt-voxelize" -q -r "$D/ranges_cocrni.rrng" -p Ni-Ni --roi -4,-4,-40,4,4,-34 \
    "$D/cocrni_annealed_NiNi_csro_extract.pos" -o "$T/v.zsdm"
"$B/csro-classify" -q -m "$D/published_NiNi.csronet" "$T/v.zsdm" -o "$T/c.prob"
"$B/csro-classify" -q -m "$D/published_NiNi.csronet" "$T/v.zsdm" -o "$T/c.h5"
$PYTHON "$CSRO_SRCDIR/tests/keras_ref.py" readprob "$T/c.prob" --nclasses 2 -o "$T/c.tsv"
$PYTHON - "$T" "$D/published_NiNi.csronet" <<'PY'
import sys, zlib
import h5py, numpy as np
t, model = sys.argv[1], sys.argv[2]
ref = np.loadtxt(t + "/c.tsv", skiprows=1, ndmin=2)  # index, nodata, means, stds
with h5py.File(t + "/c.h5", "r") as f:
    e = f["entry"]
    assert e.attrs["default"] == "voxels"
    proc = e["process"]
    assert proc["program/program"][()].decode() == "csro-classify"
    mcrc = "%08x" % zlib.crc32(open(model, "rb").read())
    assert proc["model/crc32"][()].decode() == mcrc and proc["model/classes"][()].decode() == "FCC,CSRO"
    d = e["voxels"]
    assert d.attrs["signal"] == "probability" and list(d.attrs["axes"]) == ["z", "y", "x", "class"]
    prob, std, nod = d["probability"][()], d["std"][()], d["nodata"][()]
    nz, ny, nx, nc = prob.shape
    assert nc == 2 and [c.decode() for c in d["class"][()]] == ["FCC", "CSRO"]
    assert (len(d["x"]), len(d["y"]), len(d["z"])) == (nx, ny, nz)
    assert np.allclose(np.diff(d["x"][()]), d["stride"][()]) and d["voxel_size"][()] == 1.0
    flat = prob.reshape(-1, nc)
    idx = ref[:, 0].astype(int)
    ok = ref[:, 1] == 0
    assert np.allclose(flat[idx[ok]], ref[ok, 2:4], atol=1e-6)
    assert np.allclose(std.reshape(-1, nc)[idx[ok]], ref[ok, 4:6], atol=1e-6)
    assert np.array_equal(nod.reshape(-1)[idx] != 0, ~ok)
print("nexus: classify checked (%d voxels)" % len(ref))
PY

# bad outputs: a threshold without a mask or HDF5 output; an unwritable
# path leaves nothing; HDF5 from profiles without a grid
expect_fail 2 "$B/csro-map" "$T/a.prob" -o "$T/x.tif" -t 3
"$PYTHON" -c "import numpy as np; np.savetxt('$T/r.tsv', np.random.default_rng(1).random((5, 93)), delimiter='\t')"
expect_fail 1 "$B/csro-classify" -m "$D/published_NiNi.csronet" --tsv "$T/r.tsv" -o "$T/t.h5"
grep -q "grid" "$T/err.txt" || die "HDF5 without a grid not explained"
[ ! -e "$T/t.h5" ] || die "partial HDF5 left"
expect_fail 1 "$B/csro-map" "$T/a.prob" -o "$T/nodir/map.h5"
grep -q "nodir/map.h5" "$T/err.txt" || die "unwritable HDF5 path not named"
ls "$T"/nodir* 2>/dev/null && die "partial output left"
ls "$T"/*.tmp* 2>/dev/null && die "temporary left"
echo "t_nexus: ok"
