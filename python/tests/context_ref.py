"""NumPy reference of the context stage (csro/context.h, csro_context(3)),
written from the documented feature definition and text format alone:
parse the one-line text, compute the symmetric neighbourhood features of a
voxel field (1 nm voxels, stride 0.5 nm: r = 2) and run the MLP ensemble."""
import base64

import numpy as np


def parse(text):
    """dict of the text's fields; arrays for mu, sc and the members' weights."""
    tok = text.split(" ")
    assert tok[0] == "csro-context" and tok[1] == "1"
    d = {"w": []}
    for t in tok[2:]:
        k, v = t.split("=", 1)
        if k in ("mu", "sc", "w"):
            a = np.frombuffer(base64.b64decode(v), "<f4").astype(np.float64)
            if k == "w":
                d["w"].append(a)
            else:
                d[k] = a
        elif k == "hidden":
            d[k] = [] if v == "0" else [int(x) for x in v.split(",")]
        elif k in ("voxel", "stride"):
            d[k] = float(v)
        else:
            d[k] = int(v)
    return d


def make_text(voxel, stride, h, std, hidden, mu, sc, weights):
    """The text of a context stage from its parts (weights: one flat float32
    array per member, Dense kernels [in][out] then biases, layer by layer)."""
    b = lambda a: base64.b64encode(np.asarray(a, "<f4").tobytes()).decode()
    s = "csro-context 1 voxel=%.17g stride=%.17g h=%d std=%d nf=%d hidden=%s members=%d mu=%s sc=%s" % (
        voxel, stride, h, std, len(mu), ",".join(map(str, hidden)) or "0", len(weights), b(mu), b(sc))
    return s + "".join(" w=" + b(w) for w in weights)


def nfeat(h, std):
    return h * (h + 1) // 2 * h * (2 if std else 1) + 8 + 5


def features(P, S, h, std):
    """P, S: (nz, ny, nx) voxel fields (NaN = no data). Returns (NZ, NY, NX, nf)
    features of the (n+1)^3 sub-cells; rows without a covering voxel NaN."""
    nz, ny, nx = P.shape
    W = 2 * h
    pad = lambda A: np.pad(A.astype(np.float64), h, constant_values=np.nan)
    Pp, Sp = pad(P), pad(np.nan_to_num(S, nan=0.0) if S is not None else np.zeros_like(P))
    # window of sub-cell k: voxels k - h .. k + h - 1 = padded k .. k + 2h - 1
    win = np.lib.stride_tricks.sliding_window_view(Pp, (W, W, W))[:nz + 1, :ny + 1, :nx + 1]
    swin = np.lib.stride_tricks.sliding_window_view(Sp, (W, W, W))[:nz + 1, :ny + 1, :nx + 1]
    a = np.arange(W) - h                       # voxel offset K - k
    o = a + 0.5                                # centre offset in strides
    lev = (np.abs(o) - 0.5).astype(int)
    Lz, Ly, Lx = np.meshgrid(lev, lev, lev, indexing="ij")
    Oz, Oy, Ox = np.meshgrid(o, o, o, indexing="ij")
    ok = ~np.isnan(win)
    val = np.where(ok, win, 0.0)
    sval = np.where(ok, swin, 0.0)
    nval = ok.sum(axis=(3, 4, 5))
    fill = val.sum(axis=(3, 4, 5)) / np.maximum(nval, 1)
    sfill = sval.sum(axis=(3, 4, 5)) / np.maximum(nval, 1)
    cols, scols = [], []
    for hi in range(h):
        for lo in range(hi + 1):
            for lz in range(h):
                m = (np.minimum(Lx, Ly) == lo) & (np.maximum(Lx, Ly) == hi) & (Lz == lz)
                c = (ok & m).sum(axis=(3, 4, 5))
                with np.errstate(invalid="ignore", divide="ignore"):
                    cols.append(np.where(c > 0, (val * m).sum(axis=(3, 4, 5)) / c, fill))
                    scols.append(np.where(c > 0, (sval * m).sum(axis=(3, 4, 5)) / c, sfill))
    F = cols + (scols if std else [])
    inner = (Lx == 0) & (Ly == 0) & (Lz == 0)
    iv = np.where(inner & ok, win, np.nan)[..., inner]         # 8 values, NaN = missing
    iv = np.where(np.isnan(iv), fill[..., None], iv)
    iv = np.sort(iv, axis=-1)
    F += [iv[..., q] for q in range(8)]
    for sel in ((Lx <= 1) & (Ly <= 1) & (Lz <= 1), np.ones_like(inner)):
        g = []
        for O in (Ox, Oy, Oz):
            plus, minus = sel & (O > 0), sel & (O < 0)
            cp, cm = (ok & plus).sum(axis=(3, 4, 5)), (ok & minus).sum(axis=(3, 4, 5))
            with np.errstate(invalid="ignore", divide="ignore"):
                d = (val * plus).sum(axis=(3, 4, 5)) / cp - (val * minus).sum(axis=(3, 4, 5)) / cm
            g.append(np.where((cp > 0) & (cm > 0), d, 0.0))
        F += [np.hypot(g[0], g[1]), np.abs(g[2])]
    F.append(nval / W ** 3)
    F = np.stack(F, axis=-1)
    cov = ok[..., h - 1:h + 1, h - 1:h + 1, h - 1:h + 1].any(axis=(3, 4, 5))
    F[~cov] = np.nan
    return F


def forward(d, F):
    """P(CSRO) of feature rows F (n, nf) through the ensemble of the text d."""
    x = (F - d["mu"]) * d["sc"]
    sizes = [d["nf"]] + d["hidden"] + [2]
    out = np.zeros(len(F))
    for w in d["w"]:
        a, off = x, 0
        for i in range(len(sizes) - 1):
            K, N = sizes[i], sizes[i + 1]
            Wm = w[off:off + K * N].reshape(K, N); off += K * N
            b = w[off:off + N]; off += N
            a = a @ Wm + b
            if i < len(sizes) - 2:
                a = np.maximum(a, 0)
        assert off == len(w)
        e = np.exp(a - a.max(axis=1, keepdims=True))
        out += (e / e.sum(axis=1, keepdims=True))[:, 1]
    return out / len(d["w"])


def apply(text, P, S):
    """Sub-cell P(CSRO), (NZ, NY, NX), NaN where no voxel covers."""
    d = parse(text)
    F = features(P, S, d["h"], d["std"])
    flat = F.reshape(-1, F.shape[-1])
    bad = np.isnan(flat[:, 0])
    out = forward(d, np.where(bad[:, None], 0.0, flat))
    out[bad] = np.nan
    return out.reshape(F.shape[:3])
