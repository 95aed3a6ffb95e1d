"""The context stage (csro.context) against the NumPy reference
context_ref.py: a stage written as text by Python with random weights is
parsed by the library and applied; features and output must agree."""
import numpy as np
import pytest

import csro
import csro.context
from conftest import requires
import context_ref

CTX = ("csro_context_apply", "csro_context_from_text")


def field(rng, grid):
    nx, ny, nz = grid.dims
    z, y, x = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    P = np.exp(-((x - 4.2) ** 2 + (y - 3.3) ** 2 + 0.5 * (z - 5.1) ** 2) / 5) + 0.1 * rng.random((nz, ny, nx))
    S = 0.05 + 0.1 * rng.random((nz, ny, nx))
    P[rng.random(P.shape) < 0.05] = np.nan
    return P.astype(np.float32), S.astype(np.float32)


@requires(*CTX)
@pytest.mark.parametrize("h,std,hidden", [(2, 1, [5, 3]), (3, 0, [4]), (4, 1, [])])
def test_apply_matches_numpy(rng, h, std, hidden):
    g = csro.Grid((0, 0, 0), (5.5, 6, 7), 1.0, 0.5)
    P, S = field(rng, g)
    nf = context_ref.nfeat(h, std)
    sizes = [nf] + hidden + [2]
    weights = [rng.normal(0, 0.5, sum(a * b + b for a, b in zip(sizes, sizes[1:]))) for _ in range(3)]
    mu, sc = rng.normal(0, 0.2, nf), rng.uniform(0.5, 2, nf)
    text = context_ref.make_text(1.0, 0.5, h, std, hidden, mu, sc, weights)
    c = csro.context.Context.from_text(text)
    assert c.nfeatures == nf
    assert c.to_text() == text
    Fc = c.features(g, P.ravel(), S.ravel()).reshape(P.shape[0] + 1, P.shape[1] + 1, P.shape[2] + 1, nf)
    Fr = context_ref.features(P, S, h, std)
    np.testing.assert_array_equal(np.isnan(Fc[..., 0]), np.isnan(Fr[..., 0]))
    ok = ~np.isnan(Fr[..., 0])
    np.testing.assert_allclose(Fc[ok], Fr[ok], atol=2e-6)
    out = c.apply(g, P.ravel(), S.ravel(), threads=2).reshape(Fr.shape[:3])
    ref = context_ref.apply(text, P, S)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    np.testing.assert_allclose(out[ok], ref[ok], atol=2e-5)


@requires(*CTX)
def test_bad_texts(rng):
    text = context_ref.make_text(1.0, 0.5, 2, 1, [3], np.zeros(context_ref.nfeat(2, 1)),
                                 np.ones(context_ref.nfeat(2, 1)), [rng.normal(size=context_ref.nfeat(2, 1) * 3 + 3 + 3 * 2 + 2)])
    csro.context.Context.from_text(text)
    for bad in (text[:-4], text + " x=1", text.replace("h=2", "h=3"), text.replace("members=1", "members=2"),
                text.replace("voxel=1", "voxel=-1")):
        with pytest.raises(csro.CsroError):
            csro.context.Context.from_text(bad)
