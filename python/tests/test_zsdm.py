"""z-SDMs of point sets and voxels against the NumPy brute force."""
import numpy as np
import pytest

import csro
from conftest import requires
from zsdm_ref import zsdm


def test_defaults_are_the_reference():
    o = csro.SdmOpts()
    assert o.nbins == 93 and o.first_bin == 54
    assert np.allclose(o.bin_left, -1.5 + 0.015 * np.arange(54, 147))


def test_points_random_sets(rng):
    a = rng.uniform(0, 3, (300, 3)).astype(np.float32)
    b = rng.uniform(0, 3, (200, 3)).astype(np.float32)
    want, first = zsdm(a, a)
    assert first == 54
    assert np.array_equal(csro.zsdm_points(a), want)
    assert np.array_equal(csro.zsdm_points(a, b), zsdm(a, b)[0])
    o = csro.SdmOpts(radius=1.0, bin_width=0.02, crop=(-0.5, 0.5))
    assert np.array_equal(csro.zsdm_points(a, b, o), zsdm(a, b, 1.0, 0.02, (-0.5, 0.5))[0])


def test_points_fcc_planes():
    a = 0.36
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    cells = np.array([[i, j, k] for i in range(4) for j in range(4) for k in range(4)])
    xyz = (a * (cells[:, None, :] + basis[None])).reshape(-1, 3)
    h = csro.zsdm_points(xyz)
    left = csro.SdmOpts().bin_left
    peaks = left[h > 0]
    # {002} planes every a/2: every non-empty bin holds a multiple of 0.18 nm
    assert np.allclose(np.round((peaks + 0.0075) / 0.18) * 0.18, peaks + 0.0075, atol=0.0076)
    assert np.array_equal(h, zsdm(xyz, xyz)[0])


def test_points_bad_args():
    with pytest.raises(ValueError):
        csro.zsdm_points(np.zeros((4, 2)))
    with pytest.raises(csro.CsroError):
        csro.SdmOpts(radius=-1)


@requires("csro_sdm_voxels")
@pytest.mark.parametrize("shape", [csro.SPHERE, csro.CUBE])
def test_voxels_brute_force(rng, shape):
    pts = rng.uniform(0, 4, (2500, 3)).astype(np.float32)
    other = rng.uniform(0, 4, (1200, 3)).astype(np.float32)
    g = csro.Grid((0, 0, 0), (4, 4, 4), voxel=1.0, stride=0.5, shape=shape)
    assert g.dims == (7, 7, 7) and len(g) == 343
    centers = g.centers()
    assert np.allclose(centers[[0, 8, 342]], [g.center(i) for i in (0, 8, 342)])
    prof, natoms, nodata = csro.zsdm_voxels(g, pts, threads=2)
    prof_ab, natoms_ab, _ = csro.zsdm_voxels(g, pts, other, threads=1)
    p64 = pts.astype(np.float64)
    for idx in rng.choice(len(g), 25, replace=False):
        c = centers[idx]
        if shape == csro.SPHERE:
            inside = ((p64 - c) ** 2).sum(1) <= (0.75 * 1.0) ** 2
            inside_b = ((other.astype(np.float64) - c) ** 2).sum(1) <= 0.75 ** 2
        else:
            inside = (np.abs(p64 - c) <= 0.5).all(1)
            inside_b = (np.abs(other.astype(np.float64) - c) <= 0.5).all(1)
        assert natoms[idx] == inside.sum()
        assert np.array_equal(prof[idx], zsdm(pts[inside], pts[inside])[0])
        assert np.array_equal(prof_ab[idx], zsdm(pts[inside], other[inside_b])[0])
        assert nodata[idx] == (inside.sum() < 2)


@requires("csro_sdm_voxels")
def test_voxels_nodata_and_out():
    pts = np.array([[0.5, 0.5, 0.5], [0.52, 0.5, 0.6]], np.float32)
    g = csro.Grid((0, 0, 0), (2, 2, 2), 1.0, 0.5)
    out = np.full((len(g), 93), 7, np.float32)
    prof, natoms, nodata = csro.zsdm_voxels(g, pts, out=out)
    assert prof is out
    assert nodata[natoms < 2].all() and not nodata[natoms >= 2].any()
    assert (out[nodata] == 0).all()
    with pytest.raises(csro.CsroError):
        csro.zsdm_voxels(g, pts, first=len(g), count=1)


@requires("csro_sdm_voxels")
def test_voxels_progress_and_cancel(rng):
    pts = rng.uniform(0, 6, (6000, 3)).astype(np.float32)
    g = csro.Grid((0, 0, 0), (6, 6, 6), 1.0, 0.5)
    seen = []
    full, _, _ = csro.zsdm_voxels(g, pts, threads=1, progress=seen.append)
    assert seen and all(0 <= f <= 1 for f in seen) and seen == sorted(seen)
    with pytest.raises(csro.CsroError) as e:
        csro.zsdm_voxels(g, pts, threads=1, progress=lambda f: True)
    assert e.value.code == csro._lib.ECANCELED

    def boom(f):
        raise KeyboardInterrupt
    with pytest.raises(csro.CsroError):
        csro.zsdm_voxels(g, pts, threads=1, progress=boom)


@requires("csro_sdm_2d")
def test_sdm_2d_numpy(rng):
    a = rng.uniform(0, 3, (250, 3)).astype(np.float32)
    h, prof = csro.sdm_2d(a, threads=2)
    R, n = 1.5, 200
    p = a.astype(np.float64)
    d = (p[None] - p[:, None]).reshape(-1, 3)
    ok = ((d ** 2).sum(1) <= R * R) & (d[:, 0] != 0) & (d[:, 2] != 0)
    kz = ((d[ok, 2] + R) * n / (2 * R)).astype(int)
    kx = ((d[ok, 0] + R) * n / (2 * R)).astype(int)
    want = np.zeros((n, n), np.int64)
    np.add.at(want, (kz, kx), 1)
    assert np.array_equal(h, want) and np.array_equal(prof, want.sum(1))
    assert np.array_equal(prof[54:147], csro.zsdm_points(a))
