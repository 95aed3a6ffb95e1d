"""csro: Python bindings of libcsro (chemical short-range order in atom
probe tomography by machine learning) over ctypes: pure Python, no build
step. The library is found through $CSRO_LIBRARY, the prefix recorded by
`make install`, the source tree's build/libcsro.so.1, pkg-config, or the
system library path (csro.library_path tells which file was loaded).

    import csro
    rec = csro.Recon.load("ni.pos"); rng = csro.Ranges.load("ni.rrng")
    vox = csro.voxelize(rec, rng, pair="Ni-Ni", progress=True)  # z-SDM per voxel
    prob = csro.classify(csro.Ensemble.load("m.csronet"), vox)
    pmap = csro.ProbMap(vox.meta.grid, prob.mean[:, 1])    # or ProbMap.load
    pmap.write_tiff("map.tif")

Errors raise csro.CsroError (message = csro_last_error(), .code = the
CSRO_E* code). Handles are context managers; numpy arrays returned by
accessors are zero-copy views that keep their C memory alive. Species
pairs are 'A-B' strings or (A, B) tuples; long calls take progress=True
(a tqdm bar when tqdm is installed) or a callable f(fraction).

OPENBLAS_NUM_THREADS is set to 1 here, before NumPy or libcsro load
OpenBLAS, unless the environment sets it: libcsro runs its own threads and
OpenBLAS' pool inside them only makes the calls wait for each other.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from ._lib import CsroError, version, has, path as library_path  # noqa: F401
from .recon import Recon, Ranges  # noqa: F401
from .spatial import Grid, SdmOpts, zsdm_points, zsdm_voxels, sdm_2d, voxelize, SPHERE, CUBE  # noqa: F401
from .zsdm import (Meta, Zsdm, Prob, ZsdmReader, ZsdmWriter, read_zsdm, write_zsdm, read_prob,  # noqa: F401
                   write_prob, VOXELS, BANK, RAW, MINMAX, EXPERIMENTAL, ROW_NODATA)
from . import preprocess  # noqa: F401
from .net import (Net, Ensemble, TrainOpts, TrainReport, train, train_bank, classify, classify_file,  # noqa: F401
                  ClassifyOpts, Classifier, default_model)
from .simulate import (MonteCarlo, Specimen, SimOpts, Crystal, simulate_bank, load_truth, save_truth,  # noqa: F401
                       FCC, BCC)
from .maps import ProbMap, Domains, write_tiff_volume  # noqa: F401
from . import context  # noqa: F401

__version__ = version()
