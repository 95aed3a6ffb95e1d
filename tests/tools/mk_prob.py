#!/usr/bin/env python3
"""mk_prob.py: write a .prob file through libcsro's public C API (ctypes)
for the probmap tool tests.

  mk_prob.py LIBCSRO.so OUT.prob --lo X,Y,Z --hi X,Y,Z --voxel V --stride S
      --prob P.npy [--std D.npy] [--classes A,B] [--pair A-B]
      [--nodata I,J,...] [--skip I,J,...]

P.npy holds the voxel probabilities of the last class, shape (nz, ny, nx)
of the grid (x fastest on disk); the first class gets 1 - p (2 classes).
Rows in --nodata carry CSRO_ROW_NODATA; rows in --skip are not written.
"""
import argparse
import ctypes as C
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lib")
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
    L = C.CDLL(a.lib)
    vp, cp, sz = C.c_void_p, C.c_char_p, C.c_size_t
    L.csro_zsdm_meta_new.restype = vp
    L.csro_zsdm_meta_new.argtypes = [C.c_int]
    L.csro_sdm_opts_new.restype = vp
    L.csro_sdm_opts_free.argtypes = [vp]
    L.csro_zsdm_meta_set_sdm.argtypes = [vp, vp]
    L.csro_zsdm_meta_set_pair.argtypes = [vp, cp, cp]
    L.csro_zsdm_meta_add_class.argtypes = [vp, cp]
    L.csro_zsdm_meta_set_grid.argtypes = [vp, vp]
    L.csro_zsdm_meta_free.argtypes = [vp]
    L.csro_grid_new.argtypes = [C.POINTER(vp), C.POINTER(C.c_double), C.POINTER(C.c_double),
                                C.c_double, C.c_double, C.c_int]
    L.csro_grid_count.argtypes = [vp]
    L.csro_grid_count.restype = sz
    L.csro_grid_free.argtypes = [vp]
    L.csro_prob_writer_open.argtypes = [C.POINTER(vp), cp, vp]
    L.csro_prob_writer_write.argtypes = [vp, sz, vp, vp, vp, vp]
    L.csro_prob_writer_close.argtypes = [vp]
    L.csro_last_error.restype = cp

    def ok(rc, what):
        if rc < 0:
            sys.exit(f"mk_prob: {what}: {L.csro_last_error().decode()}")

    lo = (C.c_double * 3)(*[float(v) for v in a.lo.split(",")])
    hi = (C.c_double * 3)(*[float(v) for v in a.hi.split(",")])
    g = vp()
    ok(L.csro_grid_new(C.byref(g), lo, hi, a.voxel, a.stride, 1), "grid")
    n = L.csro_grid_count(g)
    p = np.load(a.prob).astype(np.float32).ravel()
    if p.size != n:
        sys.exit(f"mk_prob: {a.prob}: {p.size} values for a grid of {n} voxels")
    s = np.load(a.std).astype(np.float32).ravel() if a.std else np.zeros(n, np.float32)
    m = L.csro_zsdm_meta_new(1)
    o = L.csro_sdm_opts_new()
    ok(L.csro_zsdm_meta_set_sdm(m, o), "set_sdm")
    L.csro_sdm_opts_free(o)
    pa, pb = a.pair.split("-")
    ok(L.csro_zsdm_meta_set_pair(m, pa.encode(), pb.encode()), "pair")
    names = a.classes.split(",")
    for name in names:
        ok(L.csro_zsdm_meta_add_class(m, name.encode()), "class")
    ok(L.csro_zsdm_meta_set_grid(m, g), "set_grid")
    nc = len(names)
    mean = np.zeros((n, nc), np.float32)
    std = np.zeros((n, nc), np.float32)
    mean[:, nc - 1] = p
    mean[:, 0] = 1 - p if nc == 2 else 0
    std[:, nc - 1] = s
    std[:, 0] = s
    flags = np.zeros(n, np.uint32)
    for i in filter(None, a.nodata.split(",")):
        flags[int(i)] = 1
    keep = np.ones(n, bool)
    for i in filter(None, a.skip.split(",")):
        keep[int(i)] = False
    index = np.nonzero(keep)[0].astype(np.uint64)
    mean = np.ascontiguousarray(mean[keep])
    std = np.ascontiguousarray(std[keep])
    flags = np.ascontiguousarray(flags[keep])
    w = vp()
    ok(L.csro_prob_writer_open(C.byref(w), a.out.encode(), m), "open")
    ok(L.csro_prob_writer_write(w, index.size, index.ctypes.data, flags.ctypes.data,
                                mean.ctypes.data, std.ctypes.data), "write")
    ok(L.csro_prob_writer_close(w), "close")
    L.csro_zsdm_meta_free(m)
    L.csro_grid_free(g)


if __name__ == "__main__":
    main()
