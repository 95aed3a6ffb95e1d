# t_provenance.sh: the provenance record (tools/provenance.c) in every
# output kind of the result tools, one loop over the kinds: TIFF ImageJ
# description (map, mask, uncertainty, projection), legacy VTK field data,
# VTI comment, HDF5/NeXus (map, classify, stats), JSON (stats, score), TSV
# heads (classify, score) and rows (stats), apt-info's JSON, CSV extraction (file and stdout), the
# texts of .zsdm and .prob (the chain apt-voxelize -> csro-classify). Each
# must hold program, version = library version = VERSION, the command line
# as typed, a UTC timestamp, the parameters, every input with its size and
# the CRC-32 that zlib computes, and (after classify) the model's identity.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
MODEL="$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet"
[ -f "$MODEL" ] || { echo "skip: no data/mlapt"; exit 0; }
cd "$T"
HAVE_H5=0
$PYTHON -c 'import h5py' 2>/dev/null && "$B/csro-map" --help | grep -q '\.h5' && HAVE_H5=1

$B/apt-simulate -q --box 6,6,6 --seed 5 --domains Ni:1.5:2:0.05 --truth s.truth -r s.rrng -o s.pos
$B/apt-voxelize -q -r s.rrng -p Ni-Ni --voxel 1 --stride 0.5 s.pos -o s.zsdm --composition comp.tsv
$B/csro-classify -q -m "$MODEL" s.zsdm -o s.prob
$B/csro-classify -q -m "$MODEL" s.zsdm -f tsv -o c.tsv
$B/csro-map -q s.prob -o m.tif -t 2.5 --mask k.tif --uncertainty u.tif --projection p.tif --vtk m.vtk --vti m.vti 2>/dev/null
$B/csro-stats s.prob -t 2.5 -o st.tsv 2>/dev/null
$B/csro-stats s.prob -t 2.5 -f json -o st.json 2>/dev/null
$B/csro-score -M s.prob --truth s.truth -t 2.5 s.pos -o sc.tsv 2>/dev/null
$B/csro-score -M s.prob --truth s.truth -t 2.5 s.pos -f json -o sc.json 2>/dev/null
$B/csro-extract -q -M s.prob -t 2.5 s.pos -o x.csv 2>/dev/null
$B/csro-extract -q -M s.prob -t 2.5 s.pos -f csv -o - > xo.csv 2>/dev/null
$B/apt-info -f json -r s.rrng s.pos -o ai.json
$B/apt-sdm -q -p Ni-Ni s.pos s.rrng -o sdm.tsv --image sdm.tif
KINDS="s.zsdm:apt-voxelize comp.tsv:apt-voxelize s.prob:csro-classify c.tsv:csro-classify m.tif:csro-map k.tif:csro-map u.tif:csro-map
p.tif:csro-map m.vtk:csro-map m.vti:csro-map st.tsv:csro-stats st.json:csro-stats sc.tsv:csro-score
sc.json:csro-score x.csv:csro-extract xo.csv:csro-extract ai.json:apt-info sdm.tsv:apt-sdm sdm.tif:apt-sdm"
if [ $HAVE_H5 = 1 ]; then
    $B/csro-classify -q -m "$MODEL" s.zsdm -o c.h5
    $B/csro-map -q s.prob -t 2.5 -o m.h5 2>/dev/null
    $B/csro-stats s.prob -t 2.5 -o st.nxs 2>/dev/null
    KINDS="$KINDS c.h5:csro-classify m.h5:csro-map st.nxs:csro-stats"
else
    echo "note: no h5py or tools without HDF5: HDF5 outputs not checked"
fi
VERSION=$(cat "$CSRO_SRCDIR/VERSION" 2>/dev/null || $B/csro-map -V | awk '{print $NF}')

$PYTHON - "$CSRO_SRCDIR" "$VERSION" "$MODEL" $KINDS <<'PY'
import json, re, struct, sys, zlib
import xml.etree.ElementTree as ET
import numpy as np
src, version, model = sys.argv[1:4]
sys.path.insert(0, src + "/tests")
import keras_ref

def flat_json(p):  # the "provenance" object -> the key=value form
    d = {k: str(p[k]) for k in ("program", "version", "library_version", "command_line", "timestamp")}
    d.update({"parameter." + k: str(v) for k, v in p.get("parameters", {}).items()})
    d.update({"model." + k: str(v) for k, v in p.get("model", {}).items()})
    for i, inp in enumerate(p.get("inputs", []), 1):
        d.update({"input.%d.%s" % (i, k): str(v) for k, v in inp.items()})
    return d

def lines(text, prefix=""):
    d = {}
    for ln in text.splitlines():
        if ln.startswith(prefix) and "=" in ln:
            k, v = ln[len(prefix):].split("=", 1)
            d[k.strip()] = v
    return d

def read(path, program):
    raw = open(path, "rb").read()
    ext = path.rsplit(".", 1)[1]
    if ext in ("zsdm", "prob"):  # header texts, keyed PROGRAM.key
        t = keras_ref.readprob(path, None, 0, header_only="texts")
        return {k[len(program) + 1:]: v for k, v in t.items() if k.startswith(program + ".")}, t
    if path.startswith("st.") and ext == "tsv":  # csro-stats: name<TAB>value rows
        return {k[11:]: v for k, v in (l.split("\t", 1) for l in raw.decode().splitlines())
                if k.startswith("provenance.")}, None
    if ext in ("tsv", "csv"):
        return lines(raw.decode(), "# "), None
    if ext == "tif":
        import tifffile
        with tifffile.TiffFile(path) as f:
            return lines(f.pages[0].description), None
    if ext == "vtk":  # FIELD FieldData 1 / provenance 1 N char / N bytes
        m = re.search(rb"\nFIELD FieldData 1\nprovenance 1 (\d+) char\n", raw)
        assert m and raw.index(m.group(0)) < raw.index(b"\nPOINT_DATA"), "vtk: no provenance field"
        n = int(m.group(1))
        return lines(raw[m.end():m.end() + n].decode()), None
    if ext == "vti":
        head = raw.split(b"<AppendedData")[0] + b"</VTKFile>"
        ET.fromstring(head)  # still well-formed XML
        # the info lines as an XML comment, where "--" is written "-~"
        text = "\n".join(c for c in re.findall(r"<!--(.*?)-->", head.decode(), re.S) if "program=" in c)
        return {k: v.replace("-~", "--") for k, v in lines(text).items()}, None
    if ext == "json":
        return flat_json(json.loads(raw)["provenance"]), None
    import h5py
    with h5py.File(path, "r") as f:  # the NXprocess fields and the record as JSON agree
        pr = f["entry/process"]
        d = flat_json(json.loads(pr["provenance"][()].decode())["provenance"])
        assert pr["program/program"][()].decode() == d["program"] and pr["date"][()].decode() == d["timestamp"]
        assert pr["input_1/checksum"][()].decode() == d["input.1.crc32"], path
        assert all(pr["model/" + k[6:]][()].decode() == v for k, v in d.items() if k.startswith("model.")), path
        return d, None

def crc(path):
    b = open(path, "rb").read()
    return "%08x" % zlib.crc32(b), str(len(b))

inputs = {"apt-voxelize": ["s.pos", "s.rrng"], "apt-info": ["s.pos", "s.rrng"], "apt-sdm": ["s.pos", "s.rrng"], "csro-classify": ["s.zsdm", model],
          "csro-map": ["s.prob"], "csro-stats": ["s.prob"], "csro-score": ["s.prob", "s.truth", "s.pos"],
          "csro-extract": ["s.prob", "s.pos"]}
params = {"apt-sdm": {"pair": "Ni-Ni", "radius_nm": "1.5", "direction": "0,0,1"}, "apt-info": {"input_format": "pos", "first_match": "0"}, "apt-voxelize": {"voxel_nm": "1", "stride_nm": "0.5", "pairs": "Ni-Ni", "radius_nm": "1.5"},
          "csro-classify": {"batch": "4096"}, "csro-map": {"threshold": "2.5", "mode": "sum"},
          "csro-stats": {"threshold": "2.5", "connectivity": "26"},
          "csro-score": {"threshold": "2.5", "rule": "sphere"},
          "csro-extract": {"threshold_band": "2.5,inf", "rule": "sphere"}}
mcrc = crc(model)[0]
for arg in sys.argv[4:]:
    path, program = arg.split(":")
    d, texts = read(path, program)
    where = "%s (%s)" % (path, program)
    assert d.get("program") == program, (where, d)
    assert d["version"] == d["library_version"] == version, (where, d["version"], d["library_version"], version)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["timestamp"]), (where, d["timestamp"])
    cl = d["command_line"]
    assert cl.split()[0].endswith("/" + program) and (path in cl or "-o -" in cl), (where, cl)
    for k, v in params[program].items():
        assert d.get("parameter." + k) == v, (where, k, d.get("parameter." + k), v)
    for i, name in enumerate(inputs[program], 1):
        c, n = crc(name)
        assert d["input.%d.file" % i].endswith(name.rsplit("/", 1)[-1]), (where, i, d["input.%d.file" % i], name)
        assert d["input.%d.size" % i] == n and d["input.%d.crc32" % i] == c, (where, name, d, c, n)
    if program not in ("apt-voxelize", "apt-info", "apt-sdm"):  # the model's identity (read from the .prob after classify)
        assert d.get("model.file") == "published_NiNi.csronet" and d.get("model.crc32") == mcrc, (where, d)
        assert program != "csro-classify" or d["model.classes"] == "FCC,CSRO", (where, d)
    if texts is not None and path.endswith(".prob"):  # the chain: voxelize's record stays
        assert texts["apt-voxelize.input.1.crc32"] == crc("s.pos")[0], texts
    print("provenance:", where, "ok,", len(d), "fields")
PY

# the CSV extraction still loads (comments skipped) and holds the same ions
# to a file and to stdout; the classify TSV keeps its column line
$B/apt-info -f tsv x.csv > xi.tsv
$PYTHON - <<'PY'
import numpy as np
a = np.loadtxt("x.csv", delimiter=",", ndmin=2)
b = np.loadtxt("xo.csv", delimiter=",", ndmin=2)
assert a.shape[1] == 4 and len(a) > 0 and np.array_equal(a, b), (a.shape, b.shape)
ions = [l.split("\t")[2].strip() for l in open("xi.tsv") if l.startswith("recon\tions")]
assert ions == [str(len(a))], (ions, len(a))
head = [l for l in open("c.tsv") if not l.startswith("#")][0].split("\t")
assert head[:4] == ["index", "nodata", "mean_FCC", "mean_CSRO"], head
PY
# rows appended with --no-header carry no record
$B/csro-score --no-header -M s.prob --truth s.truth -t 2.5 s.pos 2>/dev/null | grep -q '^#' && die "--no-header rows carry comments"
echo "provenance: all kinds checked"
