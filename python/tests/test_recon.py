"""Reconstructions and range files: values checked against files written
and parsed independently with NumPy / plain Python."""
import gc

import numpy as np
import pytest

import csro
from csro._lib import EFORMAT, EIO


def write_pos(path, xyzm):
    np.asarray(xyzm, ">f4").tofile(path)


def test_pos_load_matches_bytes(tmp_path, rng):
    a = rng.uniform(-5, 5, (1000, 4)).astype(np.float32)
    write_pos(tmp_path / "r.pos", a)
    with csro.Recon.load(tmp_path / "r.pos") as r:
        assert len(r) == 1000
        for k, v in enumerate((r.x, r.y, r.z, r.mass)):
            assert v.dtype == np.float32 and np.array_equal(v, a[:, k])
        lo, hi = r.bounds()
        assert np.allclose(lo, a[:, :3].min(0)) and np.allclose(hi, a[:, :3].max(0))


def test_views_are_zero_copy_and_outlive_close(tmp_path):
    r = csro.Recon.from_arrays([1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12])
    x1, x2 = r.x, r.x
    assert x1.ctypes.data == x2.ctypes.data  # same C memory, no copy
    assert not x1.flags.writeable
    r.close()
    with pytest.raises(ValueError):
        len(r)
    gc.collect()
    assert list(x1) == [1, 2, 3]  # the view kept the C arrays alive


def test_csv_save_roundtrip(tmp_path, rng):
    a = rng.normal(size=(50, 4)).astype(np.float32)
    with csro.Recon.from_arrays(*a.T) as r:
        r.save(tmp_path / "r.csv")
    back = np.loadtxt(tmp_path / "r.csv", delimiter=",", dtype=np.float64).astype(np.float32)
    assert np.array_equal(back, a)  # %.9g: exact float round trip


def test_subset_and_shuffle(rng):
    a = rng.normal(size=(200, 4)).astype(np.float32)
    keep = rng.random(200) < 0.3
    with csro.Recon.from_arrays(*a.T) as r:
        s = r.subset(keep)
        assert np.array_equal(s.xyz, a[keep, :3])
        r.shuffle_mass(7)
        assert sorted(r.mass) == sorted(a[:, 3]) and not np.array_equal(r.mass, a[:, 3])
        assert np.array_equal(r.x, a[:, 0])


def test_errors_carry_last_error(tmp_path):
    (tmp_path / "bad.pos").write_bytes(b"\0" * 1000)
    with pytest.raises(csro.CsroError) as e:
        csro.Recon.load(tmp_path / "bad.pos")
    assert e.value.code == EFORMAT and "bad.pos" in str(e.value) and "1000" in str(e.value)
    with pytest.raises(csro.CsroError) as e:
        csro.Recon.load(tmp_path / "missing.pos")
    assert e.value.code == EIO and "missing.pos" in str(e.value)


RRNG = """[Ions]
Number=3
Ion1=Ni
Ion2=Cr
Ion3=CrO
[Ranges]
Number=4
Range1=28.5000 30.0000 Vol:0.01094 Ni:1 Color:00FF00
Range2=25.5000 26.5000 Vol:0.01197 Cr:1 Color:FF0000
Range3=30.5000 31.5000 Vol:0.01094 Ni:1 Color:00FF00
Range4=33.9000 34.1000 Vol:0.02 Cr:1 O:1 Color:0000FF
"""


def test_ranges_assign_inclusive(tmp_path, rng):
    (tmp_path / "r.rrng").write_text(RRNG)
    with csro.Ranges.load(tmp_path / "r.rrng") as rg:
        assert rg.ions == ["Ni", "Cr", "CrO"]
        assert rg.composition(2) == {"Cr": 1, "O": 1}
        m = np.concatenate([rng.uniform(20, 40, 5000), [28.5, 30.0, 26.5, 34.1, 27.0]]).astype(np.float32)
        got = rg.assign(m)
        # independent rule: inclusive windows read from the text above
        want = np.full(len(m), -1)
        for lo, hi, ion in ((28.5, 30, 0), (25.5, 26.5, 1), (30.5, 31.5, 0), (33.9, 34.1, 2)):
            want[(m >= np.float32(lo)) & (m <= np.float32(hi))] = ion
        assert np.array_equal(got, want)
        assert list(rg.weights("Cr")) == [0, 1, 0]
        assert list(rg.weights("Cr", decompose=True)) == [0, 1, 1]
        r = csro.Recon.from_arrays(np.arange(4), np.zeros(4), np.zeros(4), [29, 26, 34, 50])
        assert np.array_equal(rg.atoms(r, "Cr", decompose=True)[:, 0], [1, 2])


def test_ranges_error_names_file_and_line(tmp_path):
    (tmp_path / "bad.rrng").write_text(RRNG.replace("Range2=25.5000 26.5000", "Range2=26.5000 25.5000"))
    with pytest.raises(csro.CsroError) as e:
        csro.Ranges.load(tmp_path / "bad.rrng")
    assert "bad.rrng" in str(e.value)


def parse_rrng(path):
    """Independent minimal RRNG reader: [(lo, hi, element)] of one-element ranges."""
    out = []
    for line in open(path):
        if line.startswith("Range") and "=" in line and not line.startswith("Ranges"):
            f = line.split("=", 1)[1].split()
            comp = [t for t in f[2:] if ":" in t and not t.startswith(("Vol", "Color", "Name"))]
            out.append((float(f[0]), float(f[1]), comp[0].split(":")[0] if len(comp) == 1 else None))
    return out


def test_real_cocrni_counts(tmp_path):
    """Real CoCrNi ions (tests/data/cocrni_2000.csv): the ions selected as
    Ni, Co, Cr equal the counts of a plain NumPy windowing of the CSV."""
    import os
    data = os.environ.get("CSRO_TESTDATA", os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data"))
    csv, rr = os.path.join(data, "cocrni_2000.csv"), os.path.join(data, "ranges_cocrni.rrng")
    a = np.loadtxt(csv, delimiter=",", dtype=np.float32)
    with csro.Recon.load(csv) as r, csro.Ranges.load(rr) as rg:
        assert len(r) == 2000 and np.array_equal(r.xyz, a[:, :3])
        ranges = parse_rrng(rr)
        for el in ("Ni", "Co", "Cr"):
            sel = np.zeros(len(a), bool)
            for lo, hi, e in ranges:
                if e == el:
                    sel |= (a[:, 3] >= np.float32(lo)) & (a[:, 3] <= np.float32(hi))
            got = rg.atoms(r, el)
            assert len(got) == sel.sum() > 100
            assert np.array_equal(got, a[sel, :3])


def test_epos_fields_zero_copy():
    """tests/data/recon_tiny.epos (hand-built, values in tests/data/README.md)."""
    import os
    import struct
    data = os.environ.get("CSRO_TESTDATA", os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data"))
    path = os.path.join(data, "recon_tiny.epos")
    raw = open(path, "rb").read()
    rec0 = struct.unpack(">9f2i", raw[:44])  # independent decoding of ion 0
    with csro.Recon.load(path) as r:
        f = r.fields
        assert len(r) == 2 and list(r.x) == [1.0, 0.5]
        assert f["tof"][0] == rec0[4] == 512.25 and f["vdc"][0] == rec0[5]
        assert f["pslep"].dtype == np.int32 and f["pslep"][0] == rec0[9] == 7 and list(f["ipp"]) == [2, 1]
