"""NumPy baseline for bench/net_bench.c: the same 5-member ensemble forward
pass (Conv1D 16x10 valid + ReLU, MaxPool 2, Flatten, Dense 256 + ReLU,
Dense 2 + softmax, mean of the members) on the same inputs, timed, and
checked against libcsro's output. Usage: net_bench.py DIR N"""
import sys
import time
import numpy as np

d, n = sys.argv[1], int(sys.argv[2])
x = np.fromfile(f"{d}/x.f32", dtype="<f4").reshape(n, 93)
ref = np.fromfile(f"{d}/mean.f32", dtype="<f4").reshape(n, 2)
members = []
for k in range(5):
    p = np.fromfile(f"{d}/member{k}.f32", dtype="<f4")
    o = 0
    def take(m):
        global o
        a = p[o:o + m]
        o += m
        return a
    cw = take(160).reshape(10, 16)       # Keras [kernel][in=1][filters]
    cb = take(16)
    w1 = take(672 * 256).reshape(672, 256)
    b1 = take(256)
    w2 = take(256 * 2).reshape(256, 2)
    b2 = take(2)
    assert o == p.size
    members.append((cw, cb, w1, b1, w2, b2))


def forward(xb):
    win = np.lib.stride_tricks.sliding_window_view(xb, 10, axis=1)  # (B, 84, 10)
    acc = np.zeros((xb.shape[0], 2), dtype=np.float32)
    for cw, cb, w1, b1, w2, b2 in members:
        h = np.maximum(win @ cw + cb, 0)                  # (B, 84, 16)
        h = h.reshape(-1, 42, 2, 16).max(axis=2).reshape(-1, 672)
        h = np.maximum(h @ w1 + b1, 0)
        z = h @ w2 + b2
        z = np.exp(z - z.max(axis=1, keepdims=True))
        acc += z / z.sum(axis=1, keepdims=True)
    return acc / 5


best = None
for rep in range(2):
    t0 = time.perf_counter()
    out = np.concatenate([forward(x[s:s + 4096]) for s in range(0, n, 4096)])
    t = time.perf_counter() - t0
    best = t if best is None else min(best, t)
diff = float(np.abs(out - ref).max())
print(f"numpy_inference_s\t{best:.3f}")
print(f"numpy_voxels_per_min\t{n / best * 60:.3g}")
print(f"max_abs_diff_vs_libcsro\t{diff:.3g}")
if diff > 1e-5:
    sys.exit("net_bench.py: NumPy and libcsro outputs differ")
