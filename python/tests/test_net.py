"""Networks, ensembles, training and classification against NumPy
implementations of the same layers and of the csro-classify rules."""
import numpy as np
import pytest
import scipy.signal

import csro
from csro import preprocess as pre
from conftest import requires

NET = ("csro_net_new_default", "csro_ensemble_predict")


def np_forward(net, x):
    """The reference architecture in NumPy, from the Keras-layout weights."""
    (k1, b1), (w2, b2), (w3, b3) = [net.layer_params(i) for i in range(len(net)) if net.layer_params(i)]
    kernel = k1.shape[0]
    L = x.shape[1] - kernel + 1
    win = np.stack([x[:, j:j + kernel] for j in range(L)], axis=1)  # (n, L, kernel)
    h = np.maximum(np.einsum("nlk,kf->nlf", win, k1[:, 0, :]) + b1, 0)
    h = np.maximum(h[:, 0:L // 2 * 2:2], h[:, 1:L // 2 * 2:2])  # maxpool 2, channels-last
    h = np.maximum(h.reshape(len(x), -1) @ w2 + b2, 0)
    z = h @ w3 + b3
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


@requires(*NET)
def test_forward_matches_numpy(rng):
    net = csro.Net(93, 2, seed=5)
    assert [t for t, _, _ in net.layers] == [csro.net.CONV1D, csro.net.RELU, csro.net.DROPOUT,
                                             csro.net.MAXPOOL1D, csro.net.FLATTEN, csro.net.DENSE,
                                             csro.net.RELU, csro.net.DENSE, csro.net.SOFTMAX]
    assert net.layer_params(0)[0].shape == (10, 1, 16) and net.layer_params(5)[0].shape == (672, 256)
    assert net.params.size == 10 * 16 + 16 + 672 * 256 + 256 + 256 * 2 + 2
    x = rng.random((64, 93)).astype(np.float32)
    assert np.allclose(net.forward(x), np_forward(net, x.astype(np.float64)), atol=1e-5)
    # params is a writable zero-copy view: changing it changes the network
    net.layer_params(7)[1][:] = [100, -100]
    assert (net.forward(x)[:, 0] > 0.99).all()


@requires(*NET)
def test_ensemble_mean_std_and_file(tmp_path, rng):
    members = [csro.Net(93, 2, seed=s) for s in (1, 2, 3)]
    ens = csro.Ensemble(2, members, classes=["random", "CSRO"])
    assert len(ens) == 3 and ens.classes == ["random", "CSRO"]
    x = rng.random((40, 93)).astype(np.float32)
    outs = np.stack([m.forward(x) for m in members])
    mean, sd = ens.predict(x, threads=2)
    assert np.allclose(mean, outs.mean(0), atol=1e-6) and np.allclose(sd, outs.std(0), atol=1e-5)
    ens.set_text("note", "hello")
    ens.save(tmp_path / "m.csronet")
    back = csro.Ensemble.load(tmp_path / "m.csronet")
    assert back.classes == ["random", "CSRO"] and back.text("note") == "hello"
    assert np.array_equal(back.predict(x)[0], mean)
    assert np.array_equal(back.member(1).params, members[1].params)
    with pytest.raises(csro.CsroError) as e:
        csro.Ensemble.load(tmp_path / "nothere.csronet")
    assert "nothere.csronet" in str(e.value)


def test_preprocess_against_numpy_scipy(rng):
    if not csro.has("csro_preprocess_rows"):
        pytest.skip("libcsro lacks csro_preprocess_rows")
    y = rng.random(93).astype(np.float32) * 50
    out, nodata = pre.minmax(y)
    assert not nodata and np.allclose(out, (y - y.min()) / (y.max() - y.min()), atol=1e-6)
    assert pre.minmax(np.full(93, 3.0))[1]
    d = y.astype(np.float64)
    assert np.allclose(pre.savgol(d, 15, 8), scipy.signal.savgol_filter(d, 15, 8, mode="interp"), atol=1e-9)
    rows = rng.random((30, 93)).astype(np.float32)
    rows[4] = 2.0
    mm, fl = pre.rows(rows, "minmax", threads=2)
    assert fl[4] == csro.ROW_NODATA and (fl[np.arange(30) != 4] == 0).all()
    ok = np.arange(30) != 4
    want = (rows - rows.min(1, keepdims=True)) / np.ptp(rows, 1, keepdims=True).clip(1e-30)
    assert np.allclose(mm[ok], want[ok], atol=1e-6)
    ex, _ = pre.rows(rows, "experimental")
    for i in (0, 7):
        assert np.array_equal(ex[i], pre.experimental(rows[i])[0])


def separable_bank(rng, n=200):
    """Two classes of z-SDM-like profiles: peaks at different positions."""
    t = np.arange(93)
    y = rng.integers(0, 2, n).astype(np.int32)
    centre = np.where(y == 0, 30, 60)[:, None]
    x = 100 * np.exp(-((t - centre) / 4.0) ** 2) + rng.random((n, 93)) * 20
    return x.astype(np.float32), y


@requires(*NET, "csro_train", "csro_zsdm_writer_open")
def test_train_and_classify(tmp_path, rng):
    x, y = separable_bank(rng)
    meta = csro.Meta(csro.BANK, sdm=csro.SdmOpts(), pair=("Ni", "Ni"), classes=["a", "b"])
    bank = csro.Zsdm(meta, x, np.arange(len(y), dtype=np.uint64), y, np.zeros(len(y), np.uint32),
                     np.zeros((len(y), 0), np.float32))
    seen, epochs = [], []
    on_epoch = (lambda *a: epochs.append(a)) if csro.has("csro_train_opts_set_epoch_fn") else None
    ens, rep = csro.train_bank(bank, epochs=4, folds=2, holdout=0.2, seed=3, progress=seen.append,
                               on_epoch=on_epoch)
    assert seen and seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    if on_epoch:  # every fold's epochs once, in order, with finite numbers
        assert sorted(e[:2] for e in epochs) == [(f, k) for f in range(2) for k in range(4)]
        assert [e[1] for e in epochs if e[0] == 1] == [0, 1, 2, 3]
        assert all(np.isfinite(e[2:]).all() for e in epochs)
    assert len(ens) == 2 and ens.classes == ["a", "b"] and ens.contract.preprocess == csro.MINMAX
    conf = rep.confusion
    assert conf.sum() == 40 and rep.accuracy == np.trace(conf) / conf.sum() and rep.accuracy > 0.9
    p, r, f = rep.prf()
    assert np.allclose(r, np.diag(conf) / conf.sum(1))
    # classify a raw voxel file: min-max first (as the contract says), then the members' mean
    g = csro.Grid((0, 0, 0), (2.5, 2.5, 3.5), 1.0, 0.5)
    vx, vy = separable_bank(rng, len(g))
    vx[5] = 1.0  # a flat profile: no data
    vmeta = csro.Meta(csro.VOXELS, sdm=csro.SdmOpts(), pair=("Ni", "Ni"), grid=g)
    vox = csro.Zsdm(vmeta, vx, np.arange(len(g), dtype=np.uint64), np.full(len(g), -1, np.int32),
                    np.zeros(len(g), np.uint32), np.zeros((len(g), 0), np.float32))
    prob = csro.classify(ens, vox)
    mm = (vx - vx.min(1, keepdims=True)) / np.ptp(vx, 1, keepdims=True).clip(1e-30)
    outs = np.stack([ens.member(i).forward(mm) for i in range(len(ens))])
    ok = np.arange(len(g)) != 5
    assert np.allclose(prob.mean[ok], outs.mean(0)[ok], atol=1e-5)
    assert prob.flags[5] == csro.ROW_NODATA and (prob.flags[ok] == 0).all()
    assert ((prob.mean[:, 1] > 0.5) == (vy == 1))[ok].mean() > 0.9
    assert prob.meta.classes == ["a", "b"]
    # data for another species pair is refused, naming the difference
    other = vox._replace(meta=csro.Meta(csro.VOXELS, sdm=csro.SdmOpts(), pair=("Co", "Co"), grid=g))
    with pytest.raises(csro.CsroError) as e:
        csro.classify(ens, other)
    assert e.value.code == csro._lib.EMISMATCH and "Co" in str(e.value)


@requires("csro_classify_new", "csro_classify_rows", "csro_classify_default_model")
def test_classify_stage_rules(tmp_path, rng):
    """csro.classify is the library's classify stage: the measured-data rule
    (a min-max model marked measured_preprocess=experimental gets voxel
    profiles preprocessed experimentally), min-max on request, the note,
    the .prob metadata, the default-model hook."""
    x, y = separable_bank(rng, 60)
    meta = csro.Meta(csro.BANK, sdm=csro.SdmOpts(), pair=("Ni", "Ni"), classes=["a", "b"])
    bank = csro.Zsdm(meta, x, np.arange(len(y), dtype=np.uint64), y, np.zeros(len(y), np.uint32),
                     np.zeros((len(y), 0), np.float32))
    ens, _ = csro.train_bank(bank, epochs=1, folds=2, seed=1)
    ct = ens.contract
    ct.set_text("measured_preprocess", "experimental")
    ens.contract = ct
    ens.set_text("map.threshold", "1.5")
    g = csro.Grid((0, 0, 0), (2.5, 2.5, 3.5), 1.0, 0.5)
    vx, _ = separable_bank(rng, len(g))
    vmeta = csro.Meta(csro.VOXELS, sdm=csro.SdmOpts(), pair=("Ni", "Ni"), grid=g)
    vox = csro.Zsdm(vmeta, vx, np.arange(len(g), dtype=np.uint64), np.full(len(g), -1, np.int32),
                    np.zeros(len(g), np.uint32), np.zeros((len(g), 0), np.float32))
    c = csro.Classifier(ens, vmeta)
    assert "experimental preprocessing applied to raw profiles" in c.note
    p = csro.classify(ens, vox)
    assert p.meta.preprocess == csro.EXPERIMENTAL and p.meta.texts["classify_preprocess_rule"] == "measured"
    assert p.meta.texts["map.threshold"] == "1.5"
    pre, fl = csro.preprocess.rows(vx, "experimental")
    ok = (fl & csro.ROW_NODATA) == 0
    ref = np.stack([ens.member(i).forward(pre) for i in range(len(ens))]).mean(0)
    assert np.allclose(p.mean[ok], ref[ok], atol=1e-5) and (p.flags == fl).all()
    q = csro.classify(ens, vox, preprocess="minmax")
    assert q.meta.preprocess == csro.MINMAX and q.meta.texts["classify_preprocess_rule"] == "request"
    with pytest.raises(csro.CsroError) as e:
        csro.classify(ens, vox, preprocess="raw")
    assert e.value.code == csro._lib.EMISMATCH
    (tmp_path / "Ni-Ni.csronet").write_bytes(b"x")
    assert csro.default_model(("Ni", "Ni"), tmp_path) == str(tmp_path / "Ni-Ni.csronet")
    with pytest.raises(csro.CsroError) as e:
        csro.default_model(("Co", "Co"), tmp_path)
    assert e.value.code == csro._lib.ENOTFOUND and "Co-Co" in str(e.value)
