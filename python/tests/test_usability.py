"""Usability of the package: species pairs as 'A-B' strings, constructors
that refuse non-pointers, OPENBLAS_NUM_THREADS, progress bars, the library
search order."""
import os
import subprocess
import sys

import numpy as np
import pytest

import csro
from csro import _lib

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data")


def _specimen(tmp_path):
    sp = csro.Specimen(box=(6, 6, 6), seed=3, efficiency=0.6)
    sp.write(str(tmp_path / "s.pos"), str(tmp_path / "s.truth"))
    sp.write_ranges(tmp_path / "s.rrng")
    return csro.Recon.load(tmp_path / "s.pos"), csro.Ranges.load(tmp_path / "s.rrng")


def test_pair_strings_and_tuples(tmp_path):
    rec, rng = _specimen(tmp_path)
    a = csro.voxelize(rec, rng, pair="Co-Co")
    b = csro.voxelize(rec, rng, pair=("Co", "Co"))
    c = csro.voxelize(rec, rng, pair=["Co", "Ni"])
    d = csro.voxelize(rec, rng, pair="Co-Ni")
    assert a.meta.pair == ("Co", "Co") and d.meta.pair == ("Co", "Ni")
    np.testing.assert_array_equal(a.profiles, b.profiles)
    np.testing.assert_array_equal(c.profiles, d.profiles)
    for bad in ("CoCo", "Co-", "-Co", ("Co",), 5):
        with pytest.raises(ValueError, match="A-B"):
            csro.voxelize(rec, rng, pair=bad)
    assert csro.Meta(pair="Ni-Co").pair == ("Ni", "Co")


def test_constructors_refuse_non_pointers():
    with pytest.raises(TypeError, match=r"Recon\.load"):
        csro.Recon("x.pos")
    with pytest.raises(TypeError, match=r"Ranges\.load"):
        csro.Ranges(b"x.rrng")
    for bad in (3.5, True, -1, [1]):
        with pytest.raises(TypeError):
            csro.Recon(bad)


def test_openblas_threads_set_before_loading():
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    code = "import csro, os; print(os.environ['OPENBLAS_NUM_THREADS'])"
    pkg = os.path.join(os.path.dirname(__file__), "..")
    env["PYTHONPATH"] = pkg
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
    env["OPENBLAS_NUM_THREADS"] = "3"  # a user's choice is kept
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"


def test_progress_true(tmp_path, capsys):
    rec, rng = _specimen(tmp_path)
    seen = []
    a = csro.voxelize(rec, rng, pair="Co-Co", progress=seen.append, threads=1)  # the caller reports
    assert seen and 0 <= min(seen) and max(seen) <= 1
    capsys.readouterr()
    b = csro.voxelize(rec, rng, pair="Co-Co", progress=True, threads=1)
    np.testing.assert_array_equal(a.profiles, b.profiles)
    err = capsys.readouterr().err
    try:
        import tqdm  # noqa: F401  Debian python3-tqdm: a tqdm bar (cleared when done)
        assert "%|" in err, err
    except ImportError:
        assert "100%" in err, err


def test_progress_true_without_tqdm(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm fails: the plain percentage
    rec, rng = _specimen(tmp_path)
    capsys.readouterr()
    csro.voxelize(rec, rng, pair="Co-Co", progress=True, threads=1)
    err = capsys.readouterr().err
    assert "100%" in err and "%|" not in err, err


def test_library_search_order(tmp_path, monkeypatch):
    monkeypatch.setenv("CSRO_LIBRARY", "/some/where/libcsro.so.1")
    assert [w for w, _ in _lib._candidates()] == ["CSRO_LIBRARY"]
    monkeypatch.delenv("CSRO_LIBRARY")
    pc = tmp_path / "csro.pc"
    pc.write_text("prefix=/p\nlibdir=/p/lib\nName: csro\nDescription: x\nVersion: 1.0.0\nLibs: -lcsro\n")
    monkeypatch.setenv("PKG_CONFIG_PATH", str(tmp_path))
    monkeypatch.setattr("csro._install.LIBDIR", "/rec/lib")
    cands = list(_lib._candidates())
    where = [w for w, _ in cands]
    assert where[:2] == ["install prefix", "source tree"]
    assert cands[0][1] == "/rec/lib/libcsro.so.1"
    if "pkg-config" in where:
        assert where.index("pkg-config") == 2 and dict(cands)["pkg-config"] == "/p/lib/libcsro.so.1"
