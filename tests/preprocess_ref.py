#!/usr/bin/env python3
"""SciPy reference of the ML-APT experimental preprocessing (issue #3).

Usage: preprocess_ref.py NBINS IN.f32 OUT.f64
       preprocess_ref.py --exact WINDOW ORDER OUT.f64

IN holds rows of NBINS little-endian float32 profiles. For each row OUT
receives, as little-endian float64: NBINS values of the full pipeline
(NaN where the reference produces no data), NBINS values of the
Savitzky-Golay smoothing of the min-max normalised row, the number of
Moody passes, and 1 if the row is ambiguous, else 0: a decision of the
algorithm (strict local minimum, or the loop condition max(b) > s[min])
compared two numbers closer than 1e-9, so rounding noise decides it. That
happens with exact ties: same-species z-SDMs are symmetric, and the
smoothed value mirrored to the first minimum past the middle lies in the
scanned window; SciPy's convolution breaks such ties by rounding noise,
the C code keeps them exact (mirror-symmetric summation). Such rows can
differ and are not compared. Written from the issue text with SciPy's savgol_filter and
argrelextrema, independently of the C code it checks.

--exact writes the Savitzky-Golay projection matrix P = A (A^T A)^-1 A^T
(WINDOW x WINDOW, A the Vandermonde matrix of 0..WINDOW-1) computed in
exact rational arithmetic: row p evaluates at point p the polynomial fitted
to a window. SciPy's own coefficients come from a floating-point least
squares solve on the unscaled abscissa and are off by about 2e-10 for
window 15, order 8, which is why the smoothing is compared with SciPy only
to 1e-8 and with the exact weights to 1e-13.
"""
from fractions import Fraction
import sys
import numpy as np
from scipy.signal import savgol_filter, argrelextrema


def normalise(v):
    return (v - np.min(v)) / (np.max(v) - np.min(v))


TIE = 1e-9


def moody(s):
    """Background of smoothed curve s, the number of passes, ambiguity."""
    n = len(s)
    mins = argrelextrema(s, np.less)[0]
    mins = mins[mins > n // 2]
    # closest call among the minimum tests up to the chosen one
    last = mins[0] if len(mins) else n - 2
    ambiguous = any(min(abs(s[i] - s[i - 1]), abs(s[i] - s[i + 1])) < TIE
                    for i in range(n // 2 + 1, last + 1))
    if len(mins) == 0:
        return np.zeros(n), 0, ambiguous
    bg = s.copy()
    fresh = np.zeros(n)
    fresh[0], fresh[-1] = s[0], s[-1]
    counter = passes = 0

    def more():
        nonlocal ambiguous
        top = max(bg[int(0.5 * n / 2):int(3.0 * n / 4)])
        ambiguous = ambiguous or abs(top - s[mins[0]]) < TIE
        return top > s[mins[0]]

    while more():
        for m in range(1, n - 1):
            fresh[m] = min(bg[m], (bg[m - 1] + bg[m + 1]) / 2)
        bg = fresh  # aliasing: later passes update in place
        passes += 1
        if counter == 1000:
            break
        counter += 1
    return bg, passes, ambiguous


def exact_projection(w, o):
    a = [[Fraction(x) ** k for k in range(o + 1)] for x in range(w)]
    n = o + 1
    m = [[sum(a[j][p] * a[j][q] for j in range(w)) for q in range(n)] for p in range(n)]
    inv = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    for c in range(n):  # Gauss-Jordan, exact
        piv = next(r for r in range(c, n) if m[r][c] != 0)
        m[c], m[piv] = m[piv], m[c]
        inv[c], inv[piv] = inv[piv], inv[c]
        d = m[c][c]
        m[c] = [v / d for v in m[c]]
        inv[c] = [v / d for v in inv[c]]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
                inv[r] = [x - f * y for x, y in zip(inv[r], inv[c])]
    ai = [[sum(a[p][k] * inv[k][q] for k in range(n)) for q in range(n)] for p in range(w)]
    return [[float(sum(ai[p][k] * a[j][k] for k in range(n))) for j in range(w)] for p in range(w)]


def main():
    if sys.argv[1] == '--exact':
        w, o = int(sys.argv[2]), int(sys.argv[3])
        np.asarray(exact_projection(w, o), dtype='<f8').tofile(sys.argv[4])
        return
    nbins = int(sys.argv[1])
    x = np.fromfile(sys.argv[2], dtype='<f4').astype(np.float64).reshape(-1, nbins)
    out = []
    with np.errstate(invalid='ignore', divide='ignore'):
        for row in x:
            y = normalise(row)
            if np.isnan(np.min(y)):
                out.append(np.concatenate([y, y, [0.0, 0.0]]))
                continue
            s = savgol_filter(y, 15, 8)
            bg, passes, ambiguous = moody(s)
            r = normalise(s - bg)
            out.append(np.concatenate([r, s, [passes, float(ambiguous)]]))
    np.asarray(out, dtype='<f8').tofile(sys.argv[3])


if __name__ == '__main__':
    main()
