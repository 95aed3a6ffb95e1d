"""Monte-Carlo lattices, simulated specimens and simulated pattern banks,
checked with NumPy neighbour counts and the brute-force z-SDM."""
import numpy as np
import pytest

import csro
from conftest import requires
from zsdm_ref import zsdm


def test_mc_warren_cowley_numpy():
    mc = csro.MonteCarlo("A:1,B:1", cells=(4, 4, 4), a=0.36, seed=2)
    mc.set_interaction(1, "A", "B", -40)
    mc.run(300, 20, seed=3)
    xyz = mc.positions().astype(np.float64)
    sp = mc.species
    assert mc.species_names == ["A", "B"] and len(sp) == 256
    L = 4 * 0.36
    d = xyz[:, None] - xyz[None]
    d -= L * np.round(d / L)
    nn = np.abs(np.sqrt((d ** 2).sum(-1)) - 0.36 / np.sqrt(2)) < 1e-4
    a = sp == 0
    alpha_ab = 1 - nn[a][:, ~a].sum() / nn[a].sum() / (~a).mean()
    assert abs(mc.warren_cowley(1)[0, 1] - alpha_ab) < 1e-9
    assert alpha_ab < -0.1  # the negative A-B interaction ordered the lattice


def test_specimen_truth_and_files(tmp_path):
    sp = csro.Specimen(box=(6, 6, 6), domains=("Co", 2.0, 3.0, 0.15), efficiency=0.5, seed=4)
    rec, truth = sp.generate()
    assert len(rec) == len(truth) and 0.05 < truth.mean() < 0.4
    # deterministic: the same seed streamed to a file gives the same ions
    sp2 = csro.Specimen(box=(6, 6, 6), domains=("Co", 2.0, 3.0, 0.15), efficiency=0.5, seed=4)
    sp2.write(str(tmp_path / "s.pos"), str(tmp_path / "s.truth"))
    pos = np.fromfile(tmp_path / "s.pos", ">f4").reshape(-1, 4)
    assert np.array_equal(csro.load_truth(tmp_path / "s.truth"), truth)
    csro.save_truth(tmp_path / "t2.truth", truth)
    assert np.array_equal(csro.load_truth(tmp_path / "t2.truth"), truth)
    assert np.array_equal(pos[:, :3], rec.xyz) and np.array_equal(pos[:, 3], rec.mass)
    # every ion of the written ranges is ranged; isotopes of Co only at 29.47
    sp.write_ranges(tmp_path / "s.rrng")
    rg = csro.Ranges.load(tmp_path / "s.rrng")
    ion = rg.assign(rec.mass)
    assert (ion >= 0).all()
    co = rg.weights("Co")[ion] > 0
    assert np.allclose(rec.mass[co], 58.933 / 2, atol=0.01)


SIM = ("csro_sim_bank", "csro_sim_crystal_new")


@requires(*SIM)
def test_bank_profiles_are_zsdm_of_the_crystal():
    o = csro.SimOpts(model="L12", x="Co", pair=("Co", "Co"), sigma_xy=(0.2, 0.6, 0.2), sigma_z=0.02,
                     efficiency=0.5, seed=9, threads=2)
    assert o.npatterns == 2 and o.nbins == 93
    prof, par = o.bank()
    names = csro.simulate.sim_param_names()
    assert names[:3] == ["sigma_xy", "sigma_z", "efficiency"]
    assert np.allclose(par[:, 0], [0.2, 0.4]) and np.allclose(par[:, 2], 0.5)
    for p in range(2):
        c = o.crystal(p)
        co = c.atoms("Co")
        assert np.array_equal(prof[p], zsdm(co, co)[0])
        assert par[p, names.index("n_a")] == len(co)
    ideal = o.crystal(0, csro.simulate.STAGE_IDEAL)
    assert len(ideal) == 172  # 3x3x3 FCC cells, closed box: 64 corners + 108 face centres
    # L1_2 with Co on the cube corners: no Co-Co nearest neighbours, so
    # alpha1 = (P(Co|Co) - c) / (1 - c) = -c / (1 - c), c from the crystal
    xyz = ideal.xyz.astype(np.float64)
    d = np.sqrt(((xyz[:, None] - xyz[None]) ** 2).sum(-1))
    nn = (d > 0) & (d < 1.1 * d[d > 0].min())
    co = ideal.species == ideal.species_names.index("Co")
    assert nn[co][:, co].sum() == 0 and co.sum() == 64
    c = co.mean()
    p_coco = nn[co][:, co].sum() / nn[co].sum()
    assert ideal.alpha1("Co", "Co") == pytest.approx((p_coco - c) / (1 - c), abs=1e-9)


@requires(*SIM, "csro_zsdm_writer_open")
def test_simulate_bank_file(tmp_path):
    z = csro.simulate_bank([("random", {}), ("L12", dict(model="L12", x="Co"))], pair=("Co", "Co"), seed=1,
                           random=30, path=tmp_path / "b.zsdm", threads=2)
    assert z.profiles.shape == (60, 93) and list(np.bincount(z.label)) == [30, 30]
    back = csro.read_zsdm(tmp_path / "b.zsdm")
    assert back.meta.classes == ["random", "L12"] and np.array_equal(back.profiles, z.profiles)
    assert back.meta.params == csro.simulate.sim_param_names()


@requires(*SIM, "csro_zsdm_writer_open")
def test_simulate_bank_equals_csro_simulate(tmp_path):
    """simulate_bank() and the csro-simulate tool give the same bank bits."""
    import os
    import subprocess
    tool = os.path.join(os.environ.get("CSRO_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                                                "bin")), "csro-simulate")
    if not os.path.exists(tool):
        pytest.skip("csro-simulate not built")
    subprocess.run([tool, "--quiet", "--class", "random:random", "--class", "L12:L12:Co", "--pair", "Co-Co",
                    "--random", "20", "--sigma-xy", "0.2:0.4", "--seed", "3", "-o", str(tmp_path / "t.zsdm")],
                   check=True)
    t = csro.read_zsdm(tmp_path / "t.zsdm")
    z = csro.simulate_bank([("random", {}), ("L12", dict(model="L12", x="Co"))], pair=("Co", "Co"), seed=3,
                           random=20, sigma_xy=(0.2, 0.4), threads=2)
    assert t.meta.classes == z.meta.classes and t.meta.params == z.meta.params
    for a, b in zip(t[1:], z[1:]):
        assert np.array_equal(a, b)
