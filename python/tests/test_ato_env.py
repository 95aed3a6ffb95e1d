"""ATO reconstructions (v3, v5) and Rouen ENV range files (libcsro 1.1),
on files written here by hand after the formats' public descriptions
(csro-ato(5), csro-env(5)); positions and range counts checked against
NumPy."""
import struct

import numpy as np
import pytest

import csro
from conftest import requires


def write_ato3(path, x, y, z, m, rng):
    rec = np.zeros((len(x), 14), "<f4")
    rec[:, 0], rec[:, 1], rec[:, 2], rec[:, 3] = x, y, z, m  # angstrom, Da
    rec[:, 4:] = rng.random((len(x), 10))
    with open(path, "wb") as f:
        f.write(struct.pack("<II", 0, 3))
        f.write(rec.tobytes())


V5 = np.dtype([("x", "<i2"), ("y", "<i2"), ("z", "<f4"), ("m", "<f4"), ("rest", "V28")])


def write_ato5(path, xi, yi, z, m):
    r = np.zeros(len(xi), V5)
    r["x"], r["y"], r["z"], r["m"] = xi, yi, z, m
    head = bytearray(5000)
    head[4:8] = struct.pack("<I", 5)
    with open(path, "wb") as f:
        f.write(bytes(head))
        f.write(r.tobytes())


@requires("csro_probmap_write_vti")  # a 1.1 library
def test_ato_v3_v5(tmp_path, rng):
    n = 5000
    x, y = rng.uniform(-250, 250, n).astype("<f4"), rng.uniform(-250, 250, n).astype("<f4")
    z, m = rng.uniform(0, 1500, n).astype("<f4"), rng.uniform(1, 120, n).astype("<f4")
    write_ato3(tmp_path / "a.ato", x, y, z, m, rng)
    r = csro.Recon.load(tmp_path / "a.ato")
    assert len(r) == n
    np.testing.assert_allclose(r.x, x.astype(np.float64) / 10, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r.z, z.astype(np.float64) / 10, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(r.mass, m)
    xi, yi = rng.integers(-3000, 3000, n), rng.integers(-3000, 3000, n)
    write_ato5(tmp_path / "b.ato", xi, yi, z, m)
    r = csro.Recon.load(tmp_path / "b.ato")
    np.testing.assert_allclose(r.x, xi / 100, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r.y, yi / 100, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r.z, z.astype(np.float64) / 10, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(r.mass, m)
    # round trip through POS keeps the values
    r.save(tmp_path / "b.pos")
    p = csro.Recon.load(tmp_path / "b.pos")
    np.testing.assert_array_equal(p.x, r.x)
    # bad input: unknown version, truncated record, ATO cannot be written
    bad = bytearray(open(tmp_path / "a.ato", "rb").read())
    bad[4] = 4
    (tmp_path / "v4.ato").write_bytes(bytes(bad))
    with pytest.raises(csro.CsroError, match="version 4"):
        csro.Recon.load(tmp_path / "v4.ato")
    (tmp_path / "cut.ato").write_bytes(open(tmp_path / "a.ato", "rb").read()[:-10])
    with pytest.raises(csro.CsroError, match="cut.ato"):
        csro.Recon.load(tmp_path / "cut.ato")
    with pytest.raises(csro.CsroError, match="not written"):
        r.save(tmp_path / "out.ato")


ENV = """#
#\tHand-written ENV file (GPM Rouen layout) for libcsro's tests
#

# Version Id
Rev_2.0

# Number of elements / Number of mass ranges
5\t8

# List of Element and Color components ( Red / Green / Blue )
Ni\t0.0\t1.0\t0.0
Co\t0.0\t0.0\t1.0
Cr\t1,0\t0,0\t0,0
CrO\t0.5\t0.5\t0.5
Hyd\t0.0\t0.0\t0.0

# Definition of  Mass ranges / Atomic volumes / Increment for concentration
Ni\t28.850\t29.150\t10.940\t1.000
Ni\t29.100\t29.300\t10.940\t1.000
Ni\t29.850\t30.150\t10.940\t1.000
Co\t29.400\t29.600\t11.070\t1.000
Cr\t25.850\t26.150\t12.000\t1.000
Cr\t25,950\t26,050\t12,000\t1,000
CrO\t33.900\t34.100\t20.000\t1.000
Hyd\t0.900\t1.100\t0.000\t1.000

# Atom probe definition
Flight path = 0.1
"""


@requires("csro_probmap_write_vti")
def test_env_ranges(tmp_path, rng):
    p = tmp_path / "r.env"
    p.write_bytes(ENV.replace("\n", "\r\n").encode())
    r = csro.Ranges.load(p)
    assert r.ions == ["Ni", "Co", "Cr", "CrO", "Hyd"]
    assert r.composition(3) == {"Cr": 1, "O": 1} and r.composition(4) == {}
    rg = sorted((round(lo, 4), round(hi, 4), ion) for lo, hi, ion in r.ranges)
    # same-ion overlaps merged: Ni [28.85, 29.3], Cr [25.85, 26.15]
    assert rg == [(0.9, 1.1, 4), (25.85, 26.15, 2), (28.85, 29.3, 0), (29.4, 29.6, 1), (29.85, 30.15, 0),
                  (33.9, 34.1, 3)]
    # counts per ion type against NumPy (inclusive bounds compared in float32)
    m = rng.uniform(0, 40, 200000).astype(np.float32)
    m[:6] = np.float32([28.85, 29.3, 29.6, 26.15, 1.1, 34.1])  # bounds are inside
    ion = r.assign(m)
    merged = {0: [(28.85, 29.3), (29.85, 30.15)], 1: [(29.4, 29.6)], 2: [(25.85, 26.15)], 3: [(33.9, 34.1)],
              4: [(0.9, 1.1)]}
    for k, wins in merged.items():
        want = np.zeros(len(m), bool)
        for lo, hi in wins:
            want |= (m >= np.float32(lo)) & (m <= np.float32(hi))
        assert (ion == k).sum() == want.sum(), (k, (ion == k).sum(), want.sum())
        np.testing.assert_array_equal(ion == k, want)
    assert r.weights("Cr").tolist() == [0, 0, 1, 0, 0]
    assert r.weights("Cr", decompose=True).tolist() == [0, 0, 1, 1, 0]
    # bad files name the file and line
    p.write_text(ENV.replace("Co\t29.400\t29.600", "Co\t29.400\tx"))
    with pytest.raises(csro.CsroError, match=r"r\.env: line \d+"):
        csro.Ranges.load(p)
    p.write_text(ENV.replace("5\t8", "5\t9"))  # the instrument section is not a range
    with pytest.raises(csro.CsroError, match=r"r\.env: line \d+: expected 'name low high"):
        csro.Ranges.load(p)
