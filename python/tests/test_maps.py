"""Probability maps against NumPy accumulation, thresholds, the
reference's extraction rule, TIFF stacks (tifffile) and connected
domains (scipy.ndimage.label)."""
import numpy as np
import pytest
import scipy.ndimage
import scipy.stats

import csro
from conftest import requires

MAPS = ("csro_probmap_new",)


def np_map(grid, v, mode):
    nx, ny, nz = grid.dims
    r = int(round(grid.voxel / grid.stride))
    vol = v.reshape(nz, ny, nx)
    s = np.zeros((nz + r - 1, ny + r - 1, nx + r - 1))
    c = np.zeros_like(s)
    ok = ~np.isnan(vol)
    for dk in range(r):
        for dj in range(r):
            for di in range(r):
                s[dk:dk + nz, dj:dj + ny, di:di + nx] += np.where(ok, vol, 0)
                c[dk:dk + nz, dj:dj + ny, di:di + nx] += ok
    with np.errstate(invalid="ignore"):
        out = s if mode == csro.maps.SUM else s / c
    out[c == 0] = np.nan
    return out


@requires(*MAPS)
@pytest.mark.parametrize("mode", [0, 1])
def test_map_values(rng, mode):
    g = csro.Grid((0, 0, 0), (4, 3, 5), 1.0, 0.5)
    v = rng.random(len(g)).astype(np.float32)
    v[rng.random(len(g)) < 0.1] = np.nan
    m = csro.ProbMap(g, v, mode)
    nx, ny, nz = g.dims
    assert m.dims == (nx + 1, ny + 1, nz + 1) and m.ratio == 2 and m.spacing == 0.5
    want = np_map(g, v, mode)
    assert np.allclose(m.data, want, equal_nan=True, atol=1e-5)
    assert m.max_value == (8 if mode == 0 else 1)
    lower = 3.75 if mode == 0 else 0.47
    mask = m.threshold(lower)
    assert np.array_equal(mask, np.nan_to_num(want, nan=-1) > lower)


@requires(*MAPS)
def test_extract_reference_rule(rng):
    g = csro.Grid((0, 0, 0), (3, 3, 3), 1.0, 0.5)
    v = rng.random(len(g)).astype(np.float32)
    m = csro.ProbMap(g, v)
    pts = rng.uniform(0, 3, (3000, 3)).astype(np.float32)
    keep = m.extract(pts, 3.75)
    sel = np.argwhere(m.threshold(3.75))  # (k, j, i)
    centres = np.array(m.origin) + (sel[:, ::-1] + 0.5) * m.spacing
    d2 = ((pts[:, None, :].astype(np.float64) - centres[None]) ** 2).sum(-1)
    want = (d2 <= (0.5 / 2 * 1.414) ** 2).any(1)
    assert keep.sum() > 0 and np.array_equal(keep, want)
    rec = csro.Recon.from_arrays(*pts.T, np.ones(len(pts)))
    assert np.array_equal(m.extract(rec, 3.75), keep)


@requires(*MAPS)
def test_tiff_stack(tmp_path, rng):
    tifffile = pytest.importorskip("tifffile")
    g = csro.Grid((0, 0, 0), (3, 4, 2), 1.0, 0.5)
    m = csro.ProbMap(g, rng.random(len(g)).astype(np.float32))
    m.write_tiff(tmp_path / "m.tif", "Ni-Ni CSRO")
    img = tifffile.imread(tmp_path / "m.tif")
    assert img.shape == m.data.shape[::1] and np.array_equal(img, m.data)


@requires("csro_domains_new")
@pytest.mark.parametrize("conn", [6, 26])
def test_domains_scipy(rng, conn):
    mask = rng.random((6, 7, 8)) < 0.3
    d = csro.Domains(mask, conn)
    st = scipy.ndimage.generate_binary_structure(3, 1 if conn == 6 else 3)
    lab, n = scipy.ndimage.label(mask, st)
    assert len(d) == n
    # same partition (labels numbered by first cell in linear order: scipy does the same)
    assert np.array_equal(d.labels, lab)
    assert np.array_equal(d.sizes, np.bincount(lab.ravel())[1:])
    assert np.allclose(d.diameters(0.5), np.cbrt(6 * d.sizes * 0.125 / np.pi))


@requires(*MAPS, "csro_probmap_load", "csro_prob_writer_open")
def test_map_from_prob_file(tmp_path, rng):
    g = csro.Grid((0, 0, 0), (3, 3, 3), 1.0, 0.5)
    meta = csro.Meta(csro.VOXELS, sdm=csro.SdmOpts(), pair=("Ni", "Ni"), grid=g, classes=["random", "CSRO"])
    n = len(g)
    mean = rng.random((n, 2)).astype(np.float32)
    fl = (rng.random(n) < 0.2).astype(np.uint32)
    csro.write_prob(tmp_path / "p.prob", meta, np.arange(n), mean, mean / 10, fl)
    m = csro.ProbMap.load(tmp_path / "p.prob")
    assert m.label == "Ni-Ni CSRO"
    v = np.where(fl == 1, np.nan, mean[:, 1]).astype(np.float32)
    assert np.allclose(m.data, np_map(g, v, 0), equal_nan=True, atol=1e-5)
    inmem = csro.ProbMap.from_prob(csro.read_prob(tmp_path / "p.prob"))
    assert np.array_equal(inmem.data, m.data, equal_nan=True)
    s = csro.ProbMap.load(tmp_path / "p.prob", "CSRO", csro.maps.STDS, csro.maps.MEAN)
    assert np.allclose(s.data, np_map(g, v / 10, 1), equal_nan=True, atol=1e-5)


@requires(*MAPS, "csro_probmap_load_auto", "csro_probmap_smooth", "csro_prob_writer_open")
def test_load_auto_rule(tmp_path, rng):
    g = csro.Grid((0, 0, 0), (4, 4, 4), 1.0, 0.5)
    n = len(g)
    mean = rng.random((n, 2)).astype(np.float32)
    v = mean[:, 1].copy()
    # no rule: reference sum map, 3.75, said so
    meta = csro.Meta(csro.VOXELS, sdm=csro.SdmOpts(), pair=("Co", "Co"), grid=g, classes=["random", "CSRO"])
    csro.write_prob(tmp_path / "a.prob", meta, np.arange(n), mean, mean / 10)
    m, thr, note = csro.ProbMap.load_auto(tmp_path / "a.prob")
    assert thr == 3.75 and "no calibrated map rule" in note
    assert np.allclose(m.data, np_map(g, v, 0), atol=1e-5)
    # a rule: mean map smoothed 0.5 nm (SciPy's normalised Gaussian, truncate 3 sigma), threshold 0.4
    meta = csro.Meta(csro.VOXELS, sdm=csro.SdmOpts(), pair=("Co", "Co"), grid=g, classes=["random", "CSRO"],
                     texts={"map.threshold": "0.4", "map.mode": "mean", "map.smooth": "0.5"})
    csro.write_prob(tmp_path / "b.prob", meta, np.arange(n), mean, mean / 10)
    m, thr, note = csro.ProbMap.load_auto(tmp_path / "b.prob")
    assert thr == 0.4 and "mean map smoothed" in note
    raw = np_map(g, v, 1)
    one = np.ones_like(raw)
    kw = dict(sigma=1.0, mode="constant", cval=0.0, truncate=3.0)
    want = scipy.ndimage.gaussian_filter(raw, **kw) / scipy.ndimage.gaussian_filter(one, **kw)
    assert np.allclose(m.data, want, atol=1e-5)
    if csro.has("csro_probmap_new_auto"):  # the same rule on the rows in memory
        for name in ("a.prob", "b.prob"):
            m, thr, note = csro.ProbMap.load_auto(tmp_path / name)
            mi, thri, notei = csro.ProbMap.from_prob_auto(csro.read_prob(tmp_path / name))
            assert (thri, notei) == (thr, note) and np.array_equal(mi.data, m.data, equal_nan=True)


@requires("csro_stats_linfit")
def test_stats_numpy(rng):
    v = rng.normal(size=101)
    m = csro.maps.summary(v)
    assert np.allclose(m, (v.mean(), np.median(v), v.min(), v.max()))
    assert np.allclose(csro.maps.summary(v[:100])[1], np.median(v[:100]))
    h = csro.maps.histogram(v, 7, -1, 1)
    want = np.histogram(v[(v >= -1) & (v <= 1)], 7, (-1, 1))[0]  # numpy: last bin closed too
    assert np.array_equal(h, want)
    sp = rng.integers(-1, 3, 500)
    ins = rng.random(500) < 0.3
    a, b = csro.maps.composition(sp, ins, 3)
    assert list(a) == [((sp == k) & ins).sum() for k in range(3)]
    assert list(b) == [((sp == k) & ~ins).sum() for k in range(3)]
    x = np.arange(20.0)
    y = 2 + 0.5 * x + rng.normal(0, 0.1, 20)
    slope, err, icpt, r2 = csro.maps.linfit(x, y)
    fit = scipy.stats.linregress(x, y)
    assert np.allclose([slope, err, icpt, r2], [fit.slope, fit.stderr, fit.intercept, fit.rvalue ** 2])
