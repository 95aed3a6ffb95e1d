#!/usr/bin/env python3
"""seeds_keras.py OUT: seeds and reproducers of the Keras HDF5 harness
(fuzz_keras.c), written with h5py at run time (nothing binary committed);
*.json files are model_config texts (the harness adds the weights):
OUT/keras/ gets the small random Keras 2 Sequential model of
tests/keras_ref.py (input 40x1, two Conv1D, pooling, two Dense), the same
with its datasets found through weight_names, and as refuse-* the damaged
files of issue #14 item 4 (sizes 10^12, 2^40, negative, overflowing
product; NaN weights; a model_config length changed by 4 bytes; not JSON;
not HDF5; no model_config; and what fuzz_keras found in libhdf5: a global
heap object of size 0, an attribute datatype of the wrong size), which
must be refused. Exits 0 without
writing anything when h5py is missing."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
try:
    import h5py
    import numpy as np
    import keras_ref  # noqa: E402
except ImportError:
    sys.exit(0)

out = os.path.join(sys.argv[1], "keras")
os.makedirs(out, exist_ok=True)


def p(name):
    return os.path.join(out, name)


keras_ref.mkmodel(p("small.h5"), 1)
keras_ref.mkmodel(p("nested.h5"), 3, nested=True)
# text seeds (model_config of small.h5 and variants): fuzz_keras writes them
# into a valid file beside fixed weights of the same shapes
with h5py.File(p("small.h5"), "r") as f:
    cfg = f.attrs["model_config"]
    cfg = cfg.decode() if isinstance(cfg, bytes) else cfg
open(p("small.json"), "w").write(cfg)
open(p("batch-shape.json"), "w").write(cfg.replace('"batch_input_shape"', '"batch_shape"'))
open(p("refuse-filters.json"), "w").write(cfg.replace('"filters": 4', '"filters": 1000000000000'))
open(p("refuse-units.json"), "w").write(cfg.replace('"units": 8', '"units": 16777216'))
open(p("refuse-pool.json"), "w").write(cfg.replace('"MaxPooling1D"', '"AveragePooling1D"'))
for name, old, new in (("big-filters", '"filters": 4', '"filters": 1000000000000'),
                       ("big-units", '"units": 8', '"units": 1099511627776'),
                       ("negative-length", "[null, 40, 1]", "[null, -40, 1]"),
                       ("product", '"units": 8', '"units": 16777216'),
                       ("json", '{"class_name": "Sequential"', '{"class_name": Sequential')):
    keras_ref.edit(p("small.h5"), p(f"refuse-{name}.h5"), old, new)
keras_ref.edit(p("small.h5"), p("refuse-nan.h5"), "", "")
with h5py.File(p("refuse-nan.h5"), "r+") as f:
    f["model_weights/dense_1/dense_1/kernel:0"][...] = np.nan
# the stored length of the model_config string + 0x84000000 (4 bytes)
b = bytearray(open(p("small.h5"), "rb").read())
with h5py.File(p("small.h5"), "r") as f:
    n = len(f.attrs["model_config"].encode())
at = b.find(b"model_config\0")
k = b.find(struct.pack("<I", n), at, at + 200)
assert at > 0 and k > 0, "model_config attribute not found"
b[k:k + 4] = struct.pack("<I", 0x84000000 + n)
open(p("refuse-length.h5"), "wb").write(b)
# found by fuzz_keras: an object of size 0 in the global heap collection
# (here the keras_version string's header) made libhdf5 loop forever
b = bytearray(open(p("small.h5"), "rb").read())
g = b.find(b"GCOL")
o = g + 16 + 16 + (struct.unpack("<Q", b[g + 24:g + 32])[0] + 7) // 8 * 8  # the object after model_config
assert g > 0 and b[o:o + 2] == b"\x02\x00", "global heap layout not as expected"
b[o:o + 16] = bytes(16)
open(p("refuse-heap-loop.h5"), "wb").write(b)
# found by fuzz_keras: the keras_version attribute's datatype size 16 -> 4
# (libhdf5 then read 16 bytes from a 4-byte buffer)
b = bytearray(open(p("small.h5"), "rb").read())
k = b.find(b"keras_version\0") + 16  # name padded to 8 bytes, then the datatype
assert b[k] == 0x19 and b[k + 4] == 16, "keras_version datatype not as expected"
b[k + 4] = 4
open(p("refuse-attr-size.h5"), "wb").write(b)
open(p("refuse-text.h5"), "wb").write(b"hello\n")
with h5py.File(p("refuse-empty.h5"), "w") as f:
    f.attrs["x"] = 1
