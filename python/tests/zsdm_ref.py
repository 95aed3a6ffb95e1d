"""Brute-force NumPy z-SDM of the ML-APT reference definition, independent
of libcsro: all ordered pairs (i in A, j in B) with |p_j - p_i| <= R,
dz and dx in double precision, pairs with dx == 0 or dz == 0 dropped,
bin = floor((dz + R) * nfull / 2R) over [-R, R) (dx also in [-R, R)),
bins whose left edge -R + k w lies in [crop_lo, crop_hi) kept."""
import numpy as np


def zsdm(a, b, R=1.5, w=0.015, crop=(-0.7, 0.7)):
    a = np.asarray(a, np.float32).astype(np.float64)
    b = np.asarray(b, np.float32).astype(np.float64)
    nfull = int(round(2 * R / w))
    keep = [k for k in range(nfull) if crop[0] <= -R + k * w < crop[1]]
    h = np.zeros(nfull, np.int64)
    if len(a) and len(b):
        d = b[None, :, :] - a[:, None, :]
        d = d.reshape(-1, 3)
        dist2 = (d ** 2).sum(1)
        dx, dz = d[:, 0], d[:, 2]
        ok = (dist2 <= R * R) & (dx != 0) & (dz != 0) & (dx >= -R) & (dx < R) & (dz >= -R) & (dz < R)
        k = ((dz[ok] + R) * nfull / (2 * R)).astype(np.int64)
        h += np.bincount(k[(k >= 0) & (k < nfull)], minlength=nfull)
    return h[keep[0]:keep[-1] + 1], keep[0]
