#!/usr/bin/env python3
"""seeds.py OUT: seed corpora and reproducers of the fuzz targets, made at
run time (nothing binary is committed): OUT/<target>/ holds seeds, files
named refuse-* must be refused by the parser (see fuzz_common.c). Inputs
from tests/data are added by run.sh; this writes the container formats
with tests/tools/csrofile.py (written from csro-formats(5))."""
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import csrofile  # noqa: E402

out = sys.argv[1]


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


GRID = ((0, 0, 0), (2, 2, 2), 1.0, 0.5, 1, (3, 3, 3))
# .zsdm: a 3-row bank and a 27-voxel map (93 bins)
rows = b"".join(struct.pack("<QiI", i, i % 2, 0) + struct.pack("<93f", *[(i * 7 + k) % 5 for k in range(93)])
                for i in range(3))
bank = csrofile.container(b"CSROZSDM", csrofile.sdm_header("bank", "raw", "Co-Co", classes=["A", "B"]), rows)
put("zsdm", "bank.zsdm", bank)
rows = b"".join(struct.pack("<QiI", i, -1, i % 3 == 0) + struct.pack("<93f", *([0.5] * 93)) for i in range(27))
put("zsdm", "voxels.zsdm", csrofile.container(b"CSROZSDM", csrofile.sdm_header("voxels", "minmax", "Ni-Ni", grid=GRID), rows))
put("zsdm", "refuse-trailing.zsdm", bank + b"x")
# .prob: 27 voxels, 2 classes
hp = csrofile.sdm_header("voxels", "raw", "Ni-Ni", grid=GRID, classes=["a", "b"])
prob = csrofile.container(b"CSROPROB", hp, b"".join(struct.pack("<QI4f", i, 0, 0.3, 0.7, 0, 0) for i in range(27)))
put("prob", "map.prob", prob)
put("prob", "refuse-trailing.prob", prob + b"\0")
# issue #14 item 1: tiny bin width (was a 3/w-iteration loop)
ht = csrofile.sdm_header("voxels", "raw", "Ni-Ni", r=1e-20, w=1e-21, lo=-1.0, hi=1.0, grid=GRID, classes=["a", "b"])
put("prob", "tiny-bins.prob", csrofile.container(b"CSROPROB", ht, b"".join(struct.pack("<QI4f", i, 0, .5, .5, 0, 0) for i in range(27))))
# .csronet: input 8 x 1, flatten, dense 2, softmax; with and without contract
NET = [(8, 1, [(5, 0, 0, 0, 0.0), (6, 0, 2, 0, 0.0), (7, 0, 0, 0, 0.0)], 18)]
par = struct.pack("<18f", *[0.1 * k - 0.9 for k in range(18)])
net = csrofile.container(b"CSRONET\0", csrofile.net_header(["a", "b"], NET, [("source", "seeds.py")]), par)
put("csronet", "tiny.csronet", net)
conv = [(16, 1, [(1, 1, 2, 3, 0.0), (2, 0, 0, 0, 0.0), (4, 0, 2, 0, 0.0), (3, 0, 0, 0, 0.5), (5, 0, 0, 0, 0.0),
                 (6, 0, 2, 0, 0.0), (7, 0, 0, 0, 0.0)], 2 * 3 + 2 + 16 * 2 + 2)]
contract = csrofile.sdm_header("bank", "minmax", "Co-Co", r=1.5, w=0.015, lo=-0.1225, hi=0.1175)
put("csronet", "conv.csronet", csrofile.container(
    b"CSRONET\0", csrofile.net_header(["a", "b"], conv, [], contract), struct.pack("<42f", *([0.01] * 42))))
put("csronet", "refuse-trailing.csronet", net + b"x")
# issue #14 item 3: 2^27 + 2 parameters promised, 256 bytes present
bomb = [(1 << 26, 1, [(1, 0, 2, 1 << 26, 0.0)], (1 << 27) + 2)]
put("csronet", "refuse-bomb.csronet", csrofile.container(b"CSRONET\0", csrofile.net_header(["a", "b"], bomb), bytes(256)))
# issue #14 item 2: a dense layer whose weight count overflows size_t
ovf = [(8, 1, [(5, 0, 0, 0, 0.0), (6, 0, 1 << 62, 0, 0.0), (6, 0, 2, 0, 0.0), (7, 0, 0, 0, 0.0)], 18)]
put("csronet", "refuse-overflow.csronet", csrofile.container(b"CSRONET\0", csrofile.net_header(["a", "b"], ovf), par))
# ATO (csro-ato(5)): version 3 (8-byte header, 14 float32 per ion, angstrom)
# and version 5 (5000-byte header; int16 x, y in 0.01 nm, float32 z in
# angstrom and m at byte 8, 40 bytes per ion), little-endian
ions = [(1.0 + i, -2.0 * i, 30.0 + 3 * i, 29.5 + i % 3) for i in range(6)]
v3 = struct.pack("<II", 0, 3) + b"".join(struct.pack("<14f", x, y, z, m, *([0.0] * 10)) for x, y, z, m in ions)
put("ato", "v3.ato", v3)
v5 = struct.pack("<II", 0, 5) + bytes(4992) + b"".join(
    struct.pack("<hhff", int(x * 10), int(y * 10), z, m) + bytes(28) for x, y, z, m in ions)
put("ato", "v5.ato", v5)
put("ato", "refuse-version.ato", struct.pack("<II", 0, 4) + v3[8:])
put("ato", "refuse-truncated.ato", v3[:-5])
# ENV: a count past the range of long (found by fuzz_env: the double was
# cast to long before the range check, undefined behaviour)
put("env", "refuse-huge-count.env", b"# Hand-made ENV file\n" + b"3" * 60 + b" 0.0\n")
