"""pytest setup: import csro from this source tree (python/), library from
$CSRO_LIBRARY or build/libcsro.so.1."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import csro  # noqa: E402


def requires(*names):
    """Skip a test whose C functions are not in the loaded library yet (a
    module not merged into this build)."""
    missing = [n for n in names if not csro.has(n)]
    return pytest.mark.skipif(bool(missing), reason="libcsro lacks %s" % ", ".join(missing))


@pytest.fixture
def rng():
    import numpy as np
    return np.random.default_rng(12345)
