#!/usr/bin/env python3
"""ref_zsdm.py: the published ML-APT z-SDM method in SciPy, as a user of the
notebooks runs it (Exp/ZSDM_CrNiCo_same_ele_V9.py + zsdm_utils_v2.zsdm), to
time it and to check libcsro's counts voxel by voxel.

  ref_zsdm.py DIR        reads DIR/ni.f32 (float32 x y z per atom),
                         DIR/centres.f64 (voxel centres), DIR/params.txt,
                         DIR/ours.f32 (libcsro counts, nvox x 93)

Per voxel, as the reference: a global cKDTree of the species and
query_ball_point(centres, voxel * 1.5 / 2); then per voxel two small
cKDTrees, query_ball_tree(radius 1.5), dx and dz differences in float64,
drop dx == 0 or dz == 0, a 200 x 200 histogram over [-1.5, 1.5)^2 with the
fast_histogram rule (fast_histogram is not installed here: its rule
ix = (int)((v - lo) * (n / (hi - lo))) for lo <= v < hi is reproduced in
NumPy), sum over dx, keep the bins whose left edge is in [-0.7, 0.7).
Coordinates are the float32 values libcsro sees, promoted to float64.
"""
import sys
import time

import numpy as np
from scipy.spatial import cKDTree

RADIUS = 1.5
BINS = 200


def fast_hist2d_rows(y, x, lo, hi, n):
    """fast_histogram.histogram2d(y, x, range=[[lo,hi],[lo,hi]], bins=n) rows."""
    norm = n / (hi - lo)
    keep = (x >= lo) & (x < hi) & (y >= lo) & (y < hi)
    iy = ((y[keep] - lo) * norm).astype(np.int64)
    ix = ((x[keep] - lo) * norm).astype(np.int64)
    ok = (iy < n) & (ix < n)   # the C code would write past the array here
    # bincount is C speed, like fast_histogram itself
    return np.bincount(iy[ok] * n + ix[ok], minlength=n * n).reshape(n, n).astype(np.float64)


def zsdm(count, e1, e2, idx1, idx2):
    d1 = e1[idx1[count], :]
    d2 = e2[idx2[count], :]
    t1 = cKDTree(d1)
    t2 = cKDTree(d2)
    cand = t1.query_ball_tree(t2, RADIUS)
    xs, ys = [], []
    for i, l in enumerate(cand):
        xs.append(d2[l, 0] - d1[i, 0])
        ys.append(d2[l, 2] - d1[i, 2])
    x_tot = np.concatenate(xs) if xs else np.zeros(0)
    y_tot = np.concatenate(ys) if ys else np.zeros(0)
    notzero = (x_tot != 0) * (y_tot != 0)
    sdm = fast_hist2d_rows(y_tot[notzero], x_tot[notzero], -RADIUS, RADIUS, BINS)
    prof = sdm.sum(axis=1)
    left = np.arange(-RADIUS, RADIUS, RADIUS * 2 / BINS)
    sel = np.where((left >= -0.7) & (left < 0.7))[0]
    return prof[sel[0]:sel[-1] + 1], len(x_tot)


def main():
    d = sys.argv[1]
    par = dict(l.split() for l in open(d + "/params.txt"))
    voxel = float(par["voxel"])
    pts = np.fromfile(d + "/ni.f32", dtype=np.float32).reshape(-1, 3).astype(np.float64)
    cen = np.fromfile(d + "/centres.f64", dtype=np.float64).reshape(-1, 3)
    ours = np.fromfile(d + "/ours.f32", dtype=np.float32).reshape(len(cen), -1)
    t0 = time.perf_counter()
    p0 = time.process_time()
    tree = cKDTree(pts)
    tb = time.perf_counter()
    pb = time.process_time()
    idx = tree.query_ball_point(cen, voxel * 1.5 / 2)
    t1 = time.perf_counter()
    ref = np.zeros_like(ours, dtype=np.float64)
    incid = 0
    for c in range(len(cen)):
        # A == B: the reference passes the same array and index list twice
        prof, npairs = zsdm(c, pts, pts, idx, idx)
        ref[c] = prof
        incid += npairs
    t2 = time.perf_counter()
    p2 = time.process_time()
    n = len(cen)
    # per voxel: its share of the global ball query plus its z-SDM; the
    # tree build (once per species) is amortised over all voxels
    nvox = float(par["nvox"])
    per = (t2 - tb) / n + (tb - t0) / nvox
    diff = np.abs(ref - ours.astype(np.float64))
    bad = int((diff.sum(axis=1) > 0).sum())
    tot = ref.sum()
    print("scipy reference: %d voxels timed (of %s): tree build %.3f s, ball queries %.3f s, per-voxel z-SDM %.3f s"
          % (n, par["nvox"], tb - t0, t1 - tb, t2 - t1))
    print("  %.1f us/voxel, %.1f ns per pair within R (%d ordered pairs incl. self in these voxels)"
          % (1e6 * per, 1e9 * (t2 - tb) / max(incid, 1), incid))
    t1c = float(par["t1"]) / float(par["nvox"])
    t2c = float(par["t2"]) / float(par["nvox"])
    print("  extrapolated to all %s voxels: scipy %.1f s, libcsro 1 thread %.3f s"
          % (par["nvox"], per * float(par["nvox"]), float(par["t1"])))
    print("  speed-up libcsro vs scipy (per voxel, wall time, both 1 core): %.0fx (1 thread), %.0fx (2 threads)"
          % (per / t1c, per / t2c))
    perc = (p2 - pb) / n + (pb - p0) / nvox
    with open(d + "/scipy.txt", "w") as f:  # for bench/voxelize_bench.sh
        f.write("wall %.6f\ncpu %.6f\n" % (per * nvox, perc * nvox))
    print("  CPU time: scipy %.1f us/voxel, libcsro 1 thread %.3f us/voxel: speed-up %.0fx"
          % (1e6 * perc, 1e6 * float(par["c1"]) / nvox, perc / (float(par["c1"]) / nvox)))
    print("  mismatching voxels: %d of %d; |count difference| summed: %d of %d counted pairs (%.5f%%)"
          % (bad, n, int(diff.sum()), int(tot), 100.0 * diff.sum() / max(tot, 1)))
    ok = diff.sum() <= 1e-4 * max(tot, 1)
    # second set: voxels with >= 2 atoms (correctness only)
    cen = np.fromfile(d + "/centres_ne.f64", dtype=np.float64).reshape(-1, 3)
    ours = np.fromfile(d + "/ours_ne.f32", dtype=np.float32).reshape(len(cen), -1)
    idx = tree.query_ball_point(cen, voxel * 1.5 / 2)
    ref = np.array([zsdm(c, pts, pts, idx, idx)[0] for c in range(len(cen))]).reshape(ours.shape)
    diff = np.abs(ref - ours.astype(np.float64))
    tot = ref.sum()
    print("  voxels with >= 2 atoms: %d checked, %d mismatching; |count difference| %d of %d pairs (%.5f%%)"
          % (len(cen), int((diff.sum(axis=1) > 0).sum()), int(diff.sum()), int(tot),
             100.0 * diff.sum() / max(tot, 1)))
    ok = ok and diff.sum() <= 1e-4 * max(tot, 1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
