""".zsdm and .prob files: round trips of arrays and metadata, streaming,
corruption detection, atomic output."""
import os
import subprocess

import numpy as np
import pytest

import csro
from conftest import requires


def bank_meta():
    return csro.Meta(csro.BANK, sdm=csro.SdmOpts(), pair=("Co", "Co"), classes=["random", "L12"],
                     params=["sigma_xy", "efficiency"], texts={"source": "test"})


@requires("csro_zsdm_writer_open")
def test_zsdm_roundtrip(tmp_path, rng):
    n = 1000
    prof = rng.random((n, 93)).astype(np.float32)
    lab = rng.integers(0, 2, n).astype(np.int32)
    par = rng.random((n, 2)).astype(np.float32)
    fl = (rng.random(n) < 0.1).astype(np.uint32)
    idx = np.arange(n, dtype=np.uint64) * 3
    csro.write_zsdm(tmp_path / "b.zsdm", bank_meta(), prof, idx, lab, fl, par)
    z = csro.read_zsdm(tmp_path / "b.zsdm")
    assert z.meta.kind == csro.BANK and z.meta.classes == ["random", "L12"]
    assert z.meta.params == ["sigma_xy", "efficiency"] and z.meta.pair == ("Co", "Co")
    assert z.meta.text("source") == "test" and z.meta.nbins == 93
    assert np.allclose(z.meta.bin_left, csro.SdmOpts().bin_left)
    for got, want in zip(z[1:], (prof, idx, lab, fl, par)):
        assert np.array_equal(got, want)
    # chunked iteration sees the same rows
    with csro.ZsdmReader(tmp_path / "b.zsdm", chunk=300) as r:
        chunks = list(r)
    assert [len(c.index) for c in chunks] == [300, 300, 300, 100]
    assert np.array_equal(np.concatenate([c.profiles for c in chunks]), prof)


@requires("csro_zsdm_writer_open", "csro_sdm_voxels")
def test_voxel_file_keeps_grid(tmp_path, rng):
    g = csro.Grid((0, 0, 0), (3, 3, 5), 1.0, 0.5)
    m = csro.Meta(csro.VOXELS, sdm=csro.SdmOpts(), pair=("Ni", "Ni"), grid=g)
    prof = rng.random((len(g), 93)).astype(np.float32)
    csro.write_zsdm(tmp_path / "v.zsdm", m, prof)
    z = csro.read_zsdm(tmp_path / "v.zsdm")
    g2 = z.meta.grid
    assert g2.dims == g.dims and g2.lo == g.lo and g2.voxel == 1.0 and g2.stride == 0.5
    assert np.array_equal(z.index, np.arange(len(g)))
    assert (z.label == -1).all() and (z.flags == 0).all()
    z.meta.close()
    del z
    assert g2.dims == g.dims  # the borrowed grid keeps its metadata's memory alive


@requires("csro_zsdm_writer_open")
def test_zsdm_corruption_and_atomic_output(tmp_path, rng):
    prof = rng.random((500, 93)).astype(np.float32)
    p = tmp_path / "b.zsdm"
    csro.write_zsdm(p, bank_meta(), prof, label=np.zeros(500, np.int32))
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x55
    (tmp_path / "bad.zsdm").write_bytes(bytes(data))
    with pytest.raises(csro.CsroError) as e:
        csro.read_zsdm(tmp_path / "bad.zsdm")
    assert "bad.zsdm" in str(e.value)
    # an exception inside the with block discards the output
    with pytest.raises(RuntimeError):
        with csro.ZsdmWriter(tmp_path / "x.zsdm", bank_meta()) as w:
            w.write(prof[:10])
            raise RuntimeError("stop")
    assert not (tmp_path / "x.zsdm").exists()
    assert sorted(os.listdir(tmp_path)) == ["b.zsdm", "bad.zsdm"]
    with pytest.raises(ValueError):
        csro.write_zsdm(tmp_path / "y.zsdm", bank_meta(), prof[:, :90])
    with pytest.raises(csro.CsroError):  # non-finite values are rejected
        bad = prof.copy()
        bad[3, 4] = np.nan
        csro.write_zsdm(tmp_path / "y.zsdm", bank_meta(), bad)
    assert not (tmp_path / "y.zsdm").exists()


@requires("csro_prob_writer_open")
def test_prob_roundtrip(tmp_path, rng):
    g = csro.Grid((0, 0, 0), (3, 3, 3), 1.0, 0.5)
    m = csro.Meta(csro.VOXELS, sdm=csro.SdmOpts(), pair=("Ni", "Ni"), grid=g, classes=["random", "CSRO"])
    n = len(g)
    mean = rng.random((n, 2)).astype(np.float32)
    sd = rng.random((n, 2)).astype(np.float32)
    fl = (rng.random(n) < 0.2).astype(np.uint32)
    csro.write_prob(tmp_path / "p.prob", m, np.arange(n), mean, sd, fl)
    p = csro.read_prob(tmp_path / "p.prob")
    assert p.meta.classes == ["random", "CSRO"] and p.meta.grid.dims == g.dims
    assert np.array_equal(p.mean, mean) and np.array_equal(p.std, sd) and np.array_equal(p.flags, fl)


@requires("csro_zsdm_writer_open")
def test_stdout_and_stdin(tmp_path, rng):
    """"-" streams: write a file to stdout in a child, read it from stdin."""
    prof = rng.random((20, 93)).astype(np.float32)
    np.save(tmp_path / "p.npy", prof)
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
    code_w = ("import csro, numpy as np, sys; m = csro.Meta(csro.BANK, sdm=csro.SdmOpts(), classes=['a']);"
              "csro.write_zsdm('-', m, np.load(sys.argv[1]))")
    code_r = "import csro; z = csro.read_zsdm('-'); print(len(z.index), float(z.profiles.sum()))"
    w = subprocess.run([os.sys.executable, "-c", code_w, str(tmp_path / "p.npy")], env=env, capture_output=True,
                       check=True)
    r = subprocess.run([os.sys.executable, "-c", code_r], env=env, input=w.stdout, capture_output=True, check=True)
    n, s = r.stdout.split()
    assert int(n) == 20 and abs(float(s) - prof.astype(np.float64).sum()) < 1e-3
