#!/usr/bin/env python3
"""keras_ref.py: an independent NumPy forward pass of Keras Sequential 1D-CNN
models stored in Keras 2 HDF5 files (the published ML-APT ensemble), used to
check csro-net-import + csro-classify.

It shares no code with libcsro: the architecture is read from the root
attribute `model_config` (JSON) with the standard json module, the weights
with h5py, and every layer is evaluated in float64 with NumPy.

Usage:
  keras_ref.py patterns --npy BANK.npy [--raw] -o patterns.tsv
      Write the count columns of a published (93, 2n) bank (column pairs:
      left edge, count) as TSV rows, min-max normalised per pattern unless
      --raw is given.
  keras_ref.py predict MODEL.h5... --tsv patterns.tsv -o probs.tsv
      Ensemble mean and (population) standard deviation of the members'
      softmax outputs for every row of patterns.tsv (already preprocessed);
      TSV: row, mean of each class, std of each class.
  keras_ref.py predict MODEL.h5... --npy BANK.npy -o probs.tsv
      Same, from a published bank (min-max normalised here).
  keras_ref.py bench MODEL.h5... --n N [--seed S]
      Time the NumPy forward pass on N random patterns; prints
      "numpy_voxels_per_minute VALUE".
  keras_ref.py mkmodel --seed S [--nested] -o OUT.h5
      Write a small random Keras 2 HDF5 Sequential model (input 40x1; Conv1D
      4x5 'same' linear; Activation relu; MaxPooling1D 2; Conv1D 3x3 valid
      relu without bias; Flatten; Dense 8 relu; Dropout; Dense 3 softmax).
      --nested stores each layer's datasets under another scope name, listed
      only in the layer group's weight_names attribute. --arch published
      writes the published ML-APT architecture instead (input 93x1; Conv1D
      16x10 valid relu; Dropout; MaxPooling1D 2; Flatten; Dense 256 relu;
      Dense 2 softmax), with random weights.
  keras_ref.py edit IN.h5 --replace OLD NEW -o OUT.h5
      Copy a model, replacing the text OLD by NEW in its model_config.
  keras_ref.py readprob IN.prob|- --nclasses K -o OUT.tsv
      Decode a .prob file independently of libcsro (csro-prob(5): container,
      zlib chunks, CRC-32 checks, rows u64 index, u32 flags, means, stds) and
      write it as csro-classify --format tsv does (header of generic names).
      With --header, print the metadata instead (kind, bins, pair, grid,
      classes, provenance texts).
  keras_ref.py compare CLASSIFY.tsv REF.tsv [--tol T] [--csro-class K]
      Compare csro-classify --format tsv output with `predict` output; exit 1
      when any mean or std differs by more than T (default 1e-5). Prints the
      maximum differences and how many rows the ensemble assigns to class K.
"""
import argparse
import json
import sys
import time

import h5py
import numpy as np


def _attr_str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def layer_weights(g, name):
    """{'kernel': array, 'bias': array} of a layer, located through the
    group's weight_names attribute (Keras' own index) when present."""
    lg = g[name]
    names = [_attr_str(n) for n in lg.attrs.get("weight_names", [])]
    if names:
        return {n.split("/")[-1].split(":")[0]: np.asarray(lg[n], dtype=np.float64) for n in names}
    return {k.split(":")[0]: np.asarray(v, dtype=np.float64) for k, v in lg[name].items()}


class Model:
    """One Keras Sequential model: a list of (kind, params) steps."""

    def __init__(self, path):
        self.steps = []
        with h5py.File(path, "r") as f:
            cfg = json.loads(_attr_str(f.attrs["model_config"]))
            if cfg.get("class_name") != "Sequential":
                raise SystemExit(f"{path}: not a Sequential model")
            layers = cfg["config"]
            if isinstance(layers, dict):
                layers = layers["layers"]
            g = f["model_weights"] if "model_weights" in f else f
            self.input_len = layers[0]["config"].get("batch_input_shape", [None, 0])[1]
            for layer in layers:
                kind, c = layer["class_name"], layer["config"]
                name = c["name"]
                if kind == "Conv1D":
                    w = layer_weights(g, name)
                    k = w["kernel"]  # (ks, cin, f)
                    b = w["bias"] if c.get("use_bias", True) else np.zeros(k.shape[2])
                    if tuple(c.get("strides", [1])) != (1,):
                        raise SystemExit(f"{path}: {name}: strides unsupported")
                    self.steps.append(("conv", (k, b, c.get("padding", "valid"))))
                    self._act(c.get("activation", "linear"), path, name)
                elif kind == "Dense":
                    w = layer_weights(g, name)
                    k = w["kernel"]  # (inputs, units)
                    b = w["bias"] if c.get("use_bias", True) else np.zeros(k.shape[1])
                    self.steps.append(("dense", (k, b)))
                    self._act(c.get("activation", "linear"), path, name)
                elif kind == "MaxPooling1D":
                    p = c["pool_size"]
                    p = p[0] if isinstance(p, list) else p
                    self.steps.append(("pool", p))
                elif kind == "Flatten":
                    self.steps.append(("flatten", None))
                elif kind == "Dropout":
                    pass  # inference: identity
                elif kind == "Activation":
                    self._act(c["activation"], path, name)
                else:
                    raise SystemExit(f"{path}: {name}: unsupported layer {kind}")

    def _act(self, a, path, name):
        if a == "relu":
            self.steps.append(("relu", None))
        elif a == "softmax":
            self.steps.append(("softmax", None))
        elif a != "linear":
            raise SystemExit(f"{path}: {name}: unsupported activation {a}")

    def forward(self, x):
        """x: (n, length) or (n, length, channels) float64 -> (n, classes)."""
        h = x[:, :, None] if x.ndim == 2 else x
        for kind, p in self.steps:
            if kind == "conv":
                k, b, pad = p
                ks = k.shape[0]
                if pad == "same":
                    lo = (ks - 1) // 2
                    h = np.pad(h, ((0, 0), (lo, ks - 1 - lo), (0, 0)))
                L = h.shape[1] - ks + 1
                out = np.zeros((h.shape[0], L, k.shape[2]))
                for j in range(ks):  # out[n,l,f] += sum_c h[n,l+j,c] k[j,c,f]
                    out += h[:, j:j + L, :] @ k[j]
                h = out + b
            elif kind == "dense":
                k, b = p
                h = h @ k + b
            elif kind == "pool":
                n, L, C = h.shape
                m = L // p
                h = h[:, :m * p, :].reshape(n, m, p, C).max(axis=2)
            elif kind == "flatten":
                h = h.reshape(h.shape[0], -1)  # row-major over (position, channel)
            elif kind == "relu":
                h = np.maximum(h, 0.0)
            elif kind == "softmax":
                e = np.exp(h - h.max(axis=1, keepdims=True))
                h = e / e.sum(axis=1, keepdims=True)
        return h


def bank_patterns(path, raw):
    a = np.load(path)
    counts = a[:, 1::2].T.astype(np.float64)
    if raw:
        return counts
    lo = counts.min(axis=1, keepdims=True)
    hi = counts.max(axis=1, keepdims=True)
    return (counts - lo) / (hi - lo)


def ensemble(models, x):
    outs = np.stack([m.forward(x) for m in models])
    return outs.mean(axis=0), outs.std(axis=0)


def mkmodel(path, seed, nested=False, arch="small"):
    rng = np.random.default_rng(seed)

    def conv(name, filters, ks, pad, act, bias, shape=None):
        c = {"name": name, "trainable": True, "dtype": "float32", "filters": filters,
             "kernel_size": [ks], "strides": [1], "padding": pad, "data_format": "channels_last",
             "dilation_rate": [1], "activation": act, "use_bias": bias}
        if shape:
            c["batch_input_shape"] = shape
        return {"class_name": "Conv1D", "config": c}

    def dense(name, units, act):
        return {"class_name": "Dense", "config": {"name": name, "units": units, "activation": act,
                                                  "use_bias": True, "trainable": True}}
    layers = [conv("conv1d_1", 4, 5, "same", "linear", True, [None, 40, 1]),
              {"class_name": "Activation", "config": {"name": "activation_1", "activation": "relu"}},
              {"class_name": "MaxPooling1D", "config": {"name": "max_pooling1d_1", "pool_size": [2],
                                                        "strides": [2], "padding": "valid",
                                                        "data_format": "channels_last"}},
              conv("conv1d_2", 3, 3, "valid", "relu", False),
              {"class_name": "Flatten", "config": {"name": "flatten_1", "data_format": "channels_last"}},
              dense("dense_1", 8, "relu"),
              {"class_name": "Dropout", "config": {"name": "dropout_1", "rate": 0.2}},
              dense("dense_2", 3, "softmax")]
    weights = {"conv1d_1": [(5, 1, 4), (4,)], "conv1d_2": [(3, 4, 3)],
               "dense_1": [(54, 8), (8,)], "dense_2": [(8, 3), (3,)]}
    if arch == "published":  # the published ML-APT architecture, random weights
        layers = [conv("conv1d_1", 16, 10, "valid", "relu", True, [None, 93, 1]),
                  {"class_name": "Dropout", "config": {"name": "dropout_1", "rate": 0.5}},
                  {"class_name": "MaxPooling1D", "config": {"name": "max_pooling1d_1", "pool_size": [2],
                                                            "strides": [2], "padding": "valid",
                                                            "data_format": "channels_last"}},
                  {"class_name": "Flatten", "config": {"name": "flatten_1", "data_format": "channels_last"}},
                  dense("dense_1", 256, "relu"),
                  dense("dense_2", 2, "softmax")]
        weights = {"conv1d_1": [(10, 1, 16), (16,)], "dense_1": [(672, 256), (256,)],
                   "dense_2": [(256, 2), (2,)]}
    cfg = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers}}

    def scale(shp):  # fan-in scaling keeps the wide published layers out of saturation
        return 0.5 if arch == "small" or len(shp) == 1 else 1.0 / np.sqrt(np.prod(shp[:-1]))
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(cfg)  # variable-length string, as Keras 2
        f.attrs["keras_version"] = "2.2.4-tf"
        f.attrs["backend"] = "tensorflow"
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([l["config"]["name"].encode() for l in layers])
        for l in layers:
            name = l["config"]["name"]
            lg = g.create_group(name)
            shapes = weights.get(name, [])
            names = [f"{name}/{w}:0".encode() for w in ("kernel", "bias")[:len(shapes)]]
            lg.attrs["weight_names"] = np.array(names) if names else np.zeros(0)
            for w, shp in zip(("kernel", "bias"), shapes):
                lg.create_dataset(f"{name}/{w}:0", data=(rng.standard_normal(shp) * scale(shp)).astype(np.float32))
            if nested and names:  # weights under another scope, found via weight_names only
                lg.move(name, "outer_scope")
                lg.attrs["weight_names"] = np.array([b"outer_scope/" + n.split(b"/", 1)[1] for n in names])


def edit(src, dst, old, new):
    import shutil
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        cfg = _attr_str(f.attrs["model_config"])
        if old not in cfg:
            raise SystemExit(f"edit: '{old}' not in model_config")
        f.attrs["model_config"] = cfg.replace(old, new)


def print_header(h, out):
    """Print the metadata of a .prob header (csro-zsdm(5) encoding); with
    out=None return its texts as a dict instead."""
    import struct
    off = 0

    def u32():
        nonlocal off
        off += 4
        return struct.unpack_from("<I", h, off - 4)[0]

    def f64(k=1):
        nonlocal off
        off += 8 * k
        return struct.unpack_from(f"<{k}d", h, off - 8 * k)

    def st():
        nonlocal off
        n = u32()
        off += n
        return h[off - n:off].decode()
    kind, pre, has_bins = u32(), u32(), u32()
    radius, width, clo, chi = f64(4)
    f64(3)
    nbins, first = u32(), u32()
    left = f64(nbins)
    pair = st() + "-" + st()
    lines = [f"kind {kind}", f"preprocess {pre}", f"nbins {nbins}", f"first_left {left[0]:.6g}",
             f"pair {pair}"]
    if u32():
        f64(8)
        u32()
        off += 24
        dims = struct.unpack_from("<3Q", h, off - 24)
        lines.append("grid " + " ".join(map(str, dims)))
    lines.append("classes " + ",".join(st() for _ in range(u32())))
    params = [st() for _ in range(u32())]
    texts = dict((st(), st()) for _ in range(u32()))
    if out is None:
        return texts
    lines.append("texts " + ",".join(f"{k}={v}" for k, v in texts.items()))
    f = sys.stdout if out == "-" else open(out, "w")
    f.write("\n".join(lines) + "\n")


def readprob(path, out, nc, header_only=False):
    import struct
    import zlib
    data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    if header_only == "texts" and data[:8] in (b"CSROPROB", b"CSROZSDM"):  # .prob and .zsdm: the same header
        return print_header(data[16:16 + struct.unpack_from("<I", data, 12)[0]], None)
    if data[:8] != b"CSROPROB":
        raise SystemExit(f"readprob: {path}: bad magic")
    ver, hl = struct.unpack_from("<II", data, 8)
    if ver != 1:
        raise SystemExit(f"readprob: {path}: version {ver}")
    hdr = data[16:16 + hl]
    if header_only:
        return print_header(hdr, out)
    (hcrc,) = struct.unpack_from("<I", data, 16 + hl)
    if zlib.crc32(hdr) != hcrc:
        raise SystemExit(f"readprob: {path}: header crc")
    off, payload = 20 + hl, []
    while True:
        raw, comp, crc = struct.unpack_from("<III", data, off)
        off += 12
        if raw == 0 and comp == 0:
            (total,) = struct.unpack_from("<Q", data, off)
            body = b"".join(payload)
            if zlib.crc32(body) != crc or total != len(body) or off + 8 != len(data):
                raise SystemExit(f"readprob: {path}: bad end record")
            break
        if comp == (0x80000000 | raw):  # stored chunk (csro-formats(5))
            comp = raw
            chunk = data[off:off + raw]
        else:
            chunk = zlib.decompress(data[off:off + comp])
        if len(chunk) != raw or zlib.crc32(chunk) != crc:
            raise SystemExit(f"readprob: {path}: bad chunk")
        payload.append(chunk)
        off += comp
    rb = 12 + 8 * nc
    if len(body) % rb:
        raise SystemExit(f"readprob: {path}: payload is not a whole number of {rb}-byte rows")
    dt = np.dtype([("index", "<u8"), ("flags", "<u4"), ("mean", "<f4", (nc,)), ("std", "<f4", (nc,))])
    rows = np.frombuffer(body, dtype=dt)
    f = sys.stdout if out == "-" else open(out, "w")
    f.write("index\tnodata" + "".join(f"\tmean_{c}" for c in range(nc)) +
            "".join(f"\tstd_{c}" for c in range(nc)) + "\n")
    for r in rows:
        f.write(f"{r['index']}\t{r['flags'] & 1}" + "".join(f"\t{v:.9g}" for v in r["mean"]) +
                "".join(f"\t{v:.9g}" for v in r["std"]) + "\n")


def compare(ours, ref, tol, k):
    rows = [ln for ln in open(ours) if not ln.startswith("#")][1:]  # '#' provenance, column line
    a = np.loadtxt(rows, ndmin=2)
    b = np.loadtxt(ref, ndmin=2)
    if a.shape[0] != b.shape[0]:
        raise SystemExit(f"compare: {a.shape[0]} rows vs {b.shape[0]} in the reference")
    nc = (b.shape[1] - 1) // 2
    if a.shape[1] != 2 + 2 * nc:
        raise SystemExit(f"compare: {a.shape[1]} columns, expected {2 + 2 * nc}")
    dm = np.abs(a[:, 2:2 + nc] - b[:, 1:1 + nc]).max()
    ds = np.abs(a[:, 2 + nc:] - b[:, 1 + nc:]).max()
    calls = int((a[:, 2:2 + nc].argmax(axis=1) == k).sum())
    print(f"rows {a.shape[0]} max_abs_diff_mean {dm:.3g} max_abs_diff_std {ds:.3g} class{k}_calls {calls}")
    if not (dm <= tol and ds <= tol):
        raise SystemExit(f"compare: difference above {tol}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["patterns", "predict", "bench", "mkmodel", "edit", "compare", "readprob"])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--replace", nargs=2)
    ap.add_argument("--nclasses", type=int, default=2)
    ap.add_argument("--header", action="store_true")
    ap.add_argument("--nested", action="store_true")
    ap.add_argument("--arch", choices=["small", "published"], default="small")
    ap.add_argument("--tol", type=float, default=1e-5)
    ap.add_argument("--csro-class", type=int, default=1)
    ap.add_argument("--npy")
    ap.add_argument("--tsv")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    if a.cmd == "mkmodel":
        return mkmodel(a.output, a.seed, a.nested, a.arch)
    if a.cmd == "edit":
        return edit(a.models[0], a.output, *a.replace)
    if a.cmd == "readprob":
        return readprob(a.models[0], a.output, a.nclasses, a.header)
    if a.cmd == "compare":
        return compare(a.models[0], a.models[1], a.tol, a.csro_class)
    out = sys.stdout if a.output == "-" else open(a.output, "w")
    if a.cmd == "patterns":
        np.savetxt(out, bank_patterns(a.npy, a.raw), fmt="%.9g", delimiter="\t")
        return
    models = [Model(p) for p in a.models]
    if a.cmd == "bench":
        rng = np.random.default_rng(a.seed)
        x = rng.random((a.n, models[0].input_len))
        t = time.perf_counter()
        ensemble(models, x)
        dt = time.perf_counter() - t
        print(f"numpy_voxels_per_minute {a.n / dt * 60:.0f}", file=out)
        return
    x = bank_patterns(a.npy, False) if a.npy else np.loadtxt(a.tsv, ndmin=2)
    mean, std = ensemble(models, x)
    res = np.column_stack([np.arange(len(x)), mean, std])
    np.savetxt(out, res, fmt=["%d"] + ["%.9g"] * (res.shape[1] - 1), delimiter="\t")


if __name__ == "__main__":
    main()
