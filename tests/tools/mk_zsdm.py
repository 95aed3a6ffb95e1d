#!/usr/bin/env python3
"""mk_zsdm.py: write a .zsdm file from TSV profile rows through libcsro's
public C API (ctypes), for the tool tests (csro-classify input).

  mk_zsdm.py LIBCSRO.so IN.tsv OUT.zsdm [--state raw|minmax|experimental]
      [--pair A-B] [--crop LO,HI] [--kind voxels|bank] [--nodata I,J,...]
      [--classes A,B --labels-mod K] [--grid]

Rows listed in --nodata are written with the CSRO_ROW_NODATA flag. --grid
attaches a voxel grid that holds the row indices (2 i + 7).
"""
import argparse
import ctypes as C
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lib")
    ap.add_argument("tsv")
    ap.add_argument("out")
    ap.add_argument("--state", default="raw")
    ap.add_argument("--pair")
    ap.add_argument("--crop")
    ap.add_argument("--kind", default="voxels")
    ap.add_argument("--nodata", default="")
    ap.add_argument("--classes")
    ap.add_argument("--grid", action="store_true")
    a = ap.parse_args()
    L = C.CDLL(a.lib)
    vp, cp, sz = C.c_void_p, C.c_char_p, C.c_size_t
    L.csro_sdm_opts_new.restype = vp
    L.csro_sdm_opts_set_crop.argtypes = [vp, C.c_double, C.c_double]
    L.csro_sdm_opts_free.argtypes = [vp]
    L.csro_zsdm_meta_new.restype = vp
    L.csro_zsdm_meta_new.argtypes = [C.c_int]
    L.csro_zsdm_meta_set_sdm.argtypes = [vp, vp]
    L.csro_zsdm_meta_set_pair.argtypes = [vp, cp, cp]
    L.csro_zsdm_meta_set_preprocess.argtypes = [vp, C.c_int]
    L.csro_zsdm_meta_add_class.argtypes = [vp, cp]
    L.csro_zsdm_meta_set_grid.argtypes = [vp, vp]
    L.csro_zsdm_meta_free.argtypes = [vp]
    L.csro_grid_new.argtypes = [C.POINTER(vp), C.POINTER(C.c_double), C.POINTER(C.c_double),
                                C.c_double, C.c_double, C.c_int]
    L.csro_grid_free.argtypes = [vp]
    L.csro_zsdm_writer_open.argtypes = [C.POINTER(vp), cp, vp]
    L.csro_zsdm_writer_write.argtypes = [vp, sz, vp, vp, vp, vp, vp]
    L.csro_zsdm_writer_close.argtypes = [vp]
    L.csro_last_error.restype = cp

    def ok(rc, what):
        if rc < 0:
            sys.exit(f"mk_zsdm: {what}: {L.csro_last_error().decode()}")

    x = np.loadtxt(a.tsv, ndmin=2).astype(np.float32)
    n = x.shape[0]
    kind = {"voxels": 1, "bank": 2}[a.kind]
    state = {"raw": 0, "minmax": 1, "experimental": 2}[a.state]
    m = L.csro_zsdm_meta_new(kind)
    o = L.csro_sdm_opts_new()
    if a.crop:
        lo, hi = (float(v) for v in a.crop.split(","))
        ok(L.csro_sdm_opts_set_crop(o, lo, hi), "crop")
    ok(L.csro_zsdm_meta_set_sdm(m, o), "set_sdm")
    L.csro_sdm_opts_free(o)
    if a.pair:
        p, q = a.pair.split("-")
        ok(L.csro_zsdm_meta_set_pair(m, p.encode(), q.encode()), "pair")
    ok(L.csro_zsdm_meta_set_preprocess(m, state), "preprocess")
    labels = None
    if a.classes:
        names = a.classes.split(",")
        for name in names:
            ok(L.csro_zsdm_meta_add_class(m, name.encode()), "class")
        labels = (np.arange(n) % len(names)).astype(np.int32)
    if a.grid:
        side = int(np.ceil((2 * n + 8) ** (1 / 3))) + 1  # holds the indices 2 i + 7
        lo = (C.c_double * 3)(0, 0, 0)
        hi = (C.c_double * 3)(side, side, side)
        g = vp()
        ok(L.csro_grid_new(C.byref(g), lo, hi, 1.0, 1.0, 0), "grid")
        ok(L.csro_zsdm_meta_set_grid(m, g), "set_grid")
        L.csro_grid_free(g)
    w = vp()
    ok(L.csro_zsdm_writer_open(C.byref(w), a.out.encode(), m), "open")
    flags = np.zeros(n, dtype=np.uint32)
    for i in filter(None, a.nodata.split(",")):
        flags[int(i)] = 1
    index = (np.arange(n, dtype=np.uint64) * 2 + 7)
    x = np.ascontiguousarray(x)
    ok(L.csro_zsdm_writer_write(w, n, x.ctypes.data, index.ctypes.data,
                                labels.ctypes.data if labels is not None else None,
                                flags.ctypes.data, None), "write")
    ok(L.csro_zsdm_writer_close(w), "close")
    L.csro_zsdm_meta_free(m)


if __name__ == "__main__":
    main()
