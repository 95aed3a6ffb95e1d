#!/usr/bin/env python3
"""mk_zsdm.py: write a .zsdm file from TSV profile rows, for the tool tests
(csro-classify input). Written from csro-zsdm(5) alone (struct + zlib), so
it also checks that libcsro reads files made by others to that spec; it
needs no libcsro build (works for ASan builds too).

  mk_zsdm.py IN.tsv OUT.zsdm [--state raw|minmax|experimental]
      [--pair A-B] [--crop LO,HI] [--kind voxels|bank] [--nodata I,J,...]
      [--classes A,B] [--grid]

Row i gets index 2 i + 7 (label i mod nclasses with --classes, else -1).
Rows listed in --nodata carry the no-data flag. --grid attaches a voxel grid
(voxel 1 nm, stride 1 nm, cube ROI of side s nm) that holds the indices.
"""
import argparse
import struct
import zlib

import numpy as np

R, W = 1.5, 0.015  # reference radius and bin width (nm)


def s(b):
    b = b.encode()
    return struct.pack("<I", len(b)) + b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv")
    ap.add_argument("out")
    ap.add_argument("--state", default="raw")
    ap.add_argument("--pair", default="-")
    ap.add_argument("--crop", default="-0.7,0.7")
    ap.add_argument("--kind", default="voxels")
    ap.add_argument("--nodata", default="")
    ap.add_argument("--classes")
    ap.add_argument("--grid", action="store_true")
    a = ap.parse_args()
    x = np.loadtxt(a.tsv, ndmin=2).astype("<f4")
    n, nb = x.shape
    lo, hi = (float(v) for v in a.crop.split(","))
    nfull = int(round(2 * R / W))
    kept = [k for k in range(nfull) if lo <= -R + k * W < hi]
    if len(kept) != nb:
        raise SystemExit(f"mk_zsdm: crop keeps {len(kept)} bins, rows have {nb}")
    first = kept[0]
    h = struct.pack("<III", {"voxels": 1, "bank": 2}[a.kind],
                    {"raw": 0, "minmax": 1, "experimental": 2}[a.state], 1)
    h += struct.pack("<6d", R, W, lo, hi, 0.0, 0.0) + struct.pack("<d", 1.0)
    h += struct.pack("<II", nb, first)
    h += b"".join(struct.pack("<d", -R + (first + i) * W) for i in range(nb))
    pa, pb = a.pair.split("-")
    h += s(pa) + s(pb)
    if a.grid:
        side = int(np.ceil((2 * n + 8) ** (1 / 3))) + 1
        h += struct.pack("<I", 1) + struct.pack("<6d", 0, 0, 0, side, side, side)
        h += struct.pack("<ddI", 1.0, 1.0, 1) + struct.pack("<3Q", side, side, side)
    else:
        h += struct.pack("<I", 0)
    names = a.classes.split(",") if a.classes else []
    h += struct.pack("<I", len(names)) + b"".join(s(c) for c in names)
    h += struct.pack("<I", 0)  # params
    h += struct.pack("<I", 1) + s("source") + s("mk_zsdm.py")
    h += struct.pack("<I", 16 + 4 * nb)
    flags = np.zeros(n, dtype="<u4")
    for i in filter(None, a.nodata.split(",")):
        flags[int(i)] = 1
    dt = np.dtype([("index", "<u8"), ("label", "<i4"), ("flags", "<u4"), ("p", "<f4", (nb,))])
    rows = np.zeros(n, dtype=dt)
    rows["index"] = np.arange(n, dtype=np.uint64) * 2 + 7
    rows["label"] = np.arange(n) % len(names) if names else -1
    rows["flags"] = flags
    rows["p"] = x
    payload = rows.tobytes()
    with open(a.out, "wb") as f:
        f.write(b"CSROZSDM" + struct.pack("<II", 1, len(h)) + h + struct.pack("<I", zlib.crc32(h)))
        for off in range(0, len(payload), 1 << 20):
            raw = payload[off:off + (1 << 20)]
            c = zlib.compress(raw)
            f.write(struct.pack("<III", len(raw), len(c), zlib.crc32(raw)) + c)
        f.write(struct.pack("<IIIQ", 0, 0, zlib.crc32(payload), len(payload)))


if __name__ == "__main__":
    main()
