"""examples/python/mlapt_flow.py on a small simulated specimen with planted
Co L1_2 domains and a tiny model trained on a simulated bank: the flow
runs, writes the map, and the ions it extracts are enriched in planted
(truth) ions compared with the specimen as a whole."""
import os
import subprocess
import sys

import numpy as np
import pytest

import csro
from conftest import requires

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "mlapt_flow.py")


@requires("csro_sdm_voxels", "csro_sim_bank", "csro_train", "csro_probmap_new", "csro_zsdm_writer_open")
def test_mlapt_flow(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    sp = csro.Specimen(box=(10, 10, 10), domains=("Co", 3.0, 4.0, 0.2), efficiency=0.8, sigma_xy=0.2,
                       sigma_z=0.02, seed=11)
    sp.write(str(tmp_path / "s.pos"), str(tmp_path / "s.truth"))
    sp.write_ranges(tmp_path / "s.rrng")
    bank = csro.simulate_bank([("random", {}), ("L12", dict(model="L12", x="Co"))], pair=("Co", "Co"),
                              seed=1, random=150, sigma_xy=(0.15, 0.25), sigma_z=(0.01, 0.03),
                              efficiency=(0.7, 0.9), threads=0)
    ens, rep = csro.train_bank(bank, epochs=8, folds=2, seed=2)
    assert rep.accuracy > 0.8
    ens.save(tmp_path / "m.csronet")
    out = subprocess.run([sys.executable, EXAMPLE, str(tmp_path / "s.pos"), str(tmp_path / "s.rrng"),
                          str(tmp_path / "m.csronet"), "--pair", "Co-Co", "-o", str(tmp_path / "map.tif"),
                          "--extract", str(tmp_path / "in.pos")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    print(out.stdout)
    img = tifffile.imread(tmp_path / "map.tif")
    assert img.ndim == 3 and np.nanmax(img) <= 8
    rec = csro.Recon.load(tmp_path / "s.pos")
    truth = csro.load_truth(tmp_path / "s.truth")
    assert len(truth) == len(rec)
    inside = csro.Recon.load(tmp_path / "in.pos")
    assert 0 < len(inside) < len(rec)
    # which ions were extracted: match positions back to the specimen
    key = {tuple(p): i for i, p in enumerate(rec.xyz.tolist())}
    idx = np.array([key[tuple(p)] for p in inside.xyz.tolist()])
    assert truth[idx].mean() > 1.5 * truth.mean(), (truth[idx].mean(), truth.mean())
