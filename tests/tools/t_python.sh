# The Python bindings (python/csro, ctypes over libcsro.so.1): the pytest
# suite python/tests checks results against NumPy/SciPy computations and
# runs examples/python/mlapt_flow.py on a small simulated specimen.
if [ -z "${PYTHON:-}" ]; then
    echo "SKIP t_python: no Python interpreter with NumPy (set PYTHON=/usr/bin/python3)"
    exit 0
fi
$PYTHON -c 'import pytest' 2>/dev/null || { echo "t_python: $PYTHON has no pytest (apt install python3-pytest)"; exit 1; }
cd "$CSRO_SRCDIR"
lib="$CSRO_BUILD/libcsro.so.1"
# The shared library the Python side loads: check-tools does not depend on
# it and make check-asan builds none, so bring it up to date here (run by
# make, BUILD/SAN/OPTFLAGS come through MAKEFLAGS); by hand only if absent.
if [ -n "${MAKELEVEL:-}" ] || [ ! -e "$lib" ]; then make -s -C "$CSRO_SRCDIR" lib >/dev/null; fi
[ -e "$lib" ] || { echo "t_python: $lib was not built"; exit 1; }
# A sanitizer build (make check-asan) can only be dlopen()ed by Python with
# the ASan runtime preloaded; Python's own allocations are not ours to judge.
if ldd "$lib" 2>/dev/null | grep -q libasan; then
    export LD_PRELOAD="$(cc -print-file-name=libasan.so)" ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
fi
CSRO_LIBRARY="$lib" PYTHONDONTWRITEBYTECODE=1 $PYTHON -m pytest -q -p no:cacheprovider -rs python/tests
