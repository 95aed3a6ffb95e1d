#!/usr/bin/env python3
"""mk_prob.py: write a .prob file for the probmap tool tests. Container and
header come from csrofile.py (written from csro-prob(5) and csro-zsdm(5)
alone), so it needs no libcsro build and checks that libcsro reads .prob
files made by others to that spec.

  mk_prob.py OUT.prob --lo X,Y,Z --hi X,Y,Z [--voxel V] [--stride S]
      --prob P.npy [--std D.npy] [--classes A,B] [--pair A-B]
      [--nodata I,J,...] [--skip I,J,...]

P.npy holds the voxel probabilities of the last class, shape (nz, ny, nx)
of the grid (x fastest on disk); the first class gets 1 - p (2 classes).
Rows in --nodata carry the no-data flag (and zeros); rows in --skip are not
written. The grid is a cube-voxel grid (shape 1).
"""
import argparse

import numpy as np

import csrofile


def axis_count(lo, hi, v, st):
    # origins lo + k s while origin < hi and origin + v <= hi (csro-zsdm(5) grid)
    n = 0
    while True:
        x = lo + n * st
        if not (x < hi) or not (x + v <= hi):
            return n
        n += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--lo", required=True)
    ap.add_argument("--hi", required=True)
    ap.add_argument("--voxel", type=float, default=1.0)
    ap.add_argument("--stride", type=float, default=0.5)
    ap.add_argument("--prob", required=True)
    ap.add_argument("--std")
    ap.add_argument("--classes", default="random,CSRO")
    ap.add_argument("--pair", default="Ni-Ni")
    ap.add_argument("--nodata", default="")
    ap.add_argument("--skip", default="")
    a = ap.parse_args()
    lo = [float(v) for v in a.lo.split(",")]
    hi = [float(v) for v in a.hi.split(",")]
    dims = [axis_count(lo[i], hi[i], a.voxel, a.stride) for i in range(3)]
    n = dims[0] * dims[1] * dims[2]
    p = np.load(a.prob).astype(np.float32).ravel()
    if p.size != n:
        raise SystemExit(f"mk_prob: {a.prob}: {p.size} values for a grid of {n} voxels")
    sd = np.load(a.std).astype(np.float32).ravel() if a.std else np.zeros(n, np.float32)
    names = a.classes.split(",")
    nc = len(names)
    h = csrofile.sdm_header("voxels", "raw", a.pair, grid=(lo, hi, a.voxel, a.stride, 1, dims),
                            classes=names, texts=[("source", "mk_prob.py")])
    mean = np.zeros((n, nc), "<f4")
    std = np.zeros((n, nc), "<f4")
    mean[:, nc - 1] = p
    mean[:, 0] = 1 - p if nc == 2 else 0
    std[:, nc - 1] = sd
    std[:, 0] = sd
    flags = np.zeros(n, "<u4")
    for i in filter(None, a.nodata.split(",")):
        flags[int(i)] = 1
        mean[int(i)] = 0
        std[int(i)] = 0
    keep = np.ones(n, bool)
    for i in filter(None, a.skip.split(",")):
        keep[int(i)] = False
    dt = np.dtype([("index", "<u8"), ("flags", "<u4"), ("mean", "<f4", (nc,)), ("std", "<f4", (nc,))])
    rows = np.zeros(int(keep.sum()), dtype=dt)
    rows["index"] = np.nonzero(keep)[0].astype(np.uint64)
    rows["flags"] = flags[keep]
    rows["mean"] = mean[keep]
    rows["std"] = std[keep]
    csrofile.write(a.out, b"CSROPROB", h, rows.tobytes())


if __name__ == "__main__":
    main()
