#!/usr/bin/env python3
"""mk_zsdm.py: write a .zsdm file from TSV profile rows, for the tool tests
(csro-classify input). Container and header come from csrofile.py (written
from csro-zsdm(5) alone), so libcsro is checked against files made by
others to that spec; no libcsro build needed.

  mk_zsdm.py IN.tsv OUT.zsdm [--state raw|minmax|experimental]
      [--pair A-B] [--crop LO,HI] [--kind voxels|bank] [--nodata I,J,...]
      [--classes A,B] [--grid]

Row i gets index 2 i + 7 (label i mod nclasses with --classes, else -1).
Rows listed in --nodata carry the no-data flag. --grid attaches a voxel grid
(voxel 1 nm, stride 1 nm, cube ROI of side s nm) that holds the indices.
"""
import argparse

import numpy as np

import csrofile


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
    if csrofile.kept_bins(lo=lo, hi=hi)[0] != nb:
        raise SystemExit(f"mk_zsdm: crop keeps {csrofile.kept_bins(lo=lo, hi=hi)[0]} bins, rows have {nb}")
    grid = None
    if a.grid:
        side = int(np.ceil((2 * n + 8) ** (1 / 3))) + 1
        grid = ((0, 0, 0), (side, side, side), 1.0, 1.0, 1, (side, side, side))
    names = a.classes.split(",") if a.classes else []
    h = csrofile.sdm_header(a.kind, a.state, a.pair, lo=lo, hi=hi, grid=grid, classes=names,
                            texts=[("source", "mk_zsdm.py")])
    flags = np.zeros(n, dtype="<u4")
    for i in filter(None, a.nodata.split(",")):
        flags[int(i)] = 1
    dt = np.dtype([("index", "<u8"), ("label", "<i4"), ("flags", "<u4"), ("p", "<f4", (nb,))])
    rows = np.zeros(n, dtype=dt)
    rows["index"] = np.arange(n, dtype=np.uint64) * 2 + 7
    rows["label"] = np.arange(n) % len(names) if names else -1
    rows["flags"] = flags
    rows["p"] = x
    csrofile.write(a.out, b"CSROZSDM", h, rows.tobytes())


if __name__ == "__main__":
    main()
