"""Networks, training and ensembles (csro/net.h), and classify(): the
csro-classify step in memory."""
import ctypes
import os

import numpy as np

from ._lib import (PROGRESS, progress_fn, Handle, keeper, check, fn, carray, view, ptr, enc, dec, new_handle, c_int, c_size_t,
                   c_double, c_char_p, c_void_p, c_void_pp, c_uint64, c_float_p, c_i32_p, c_u64_p, c_double_p,
                   c_size_p, c_u32_p)
from .zsdm import Meta, Prob, ROW_NODATA, RAW, _STATES
from . import preprocess as _pre

CONV1D, RELU, DROPOUT, MAXPOOL1D, FLATTEN, DENSE, SOFTMAX = range(1, 8)
VALID, SAME = 0, 1

_n_new = fn("csro_net_new", c_int, c_void_pp, c_size_t, c_size_t)
_n_default = fn("csro_net_new_default", c_int, c_void_pp, c_size_t, c_size_t)
_n_clone = fn("csro_net_clone", c_void_p, c_void_p)
_n_free = fn("csro_net_free", None, c_void_p)
_n_add = {"conv1d": fn("csro_net_add_conv1d", c_int, c_void_p, c_size_t, c_size_t, c_int),
          "relu": fn("csro_net_add_relu", c_int, c_void_p),
          "dropout": fn("csro_net_add_dropout", c_int, c_void_p, c_double),
          "maxpool1d": fn("csro_net_add_maxpool1d", c_int, c_void_p, c_size_t),
          "flatten": fn("csro_net_add_flatten", c_int, c_void_p),
          "dense": fn("csro_net_add_dense", c_int, c_void_p, c_size_t),
          "softmax": fn("csro_net_add_softmax", c_int, c_void_p)}
_n_nlayers = fn("csro_net_nlayers", c_size_t, c_void_p)
_n_ltype = fn("csro_net_layer_type", c_int, c_void_p, c_size_t)
_n_lshape = fn("csro_net_layer_shape", None, c_void_p, c_size_t, c_size_p, c_size_p)
_n_insize = fn("csro_net_input_size", c_size_t, c_void_p)
_n_outsize = fn("csro_net_output_size", c_size_t, c_void_p)
_n_nparams = fn("csro_net_nparams", c_size_t, c_void_p)
_n_params = fn("csro_net_params", c_float_p, c_void_p)
_n_lparams = fn("csro_net_layer_params", c_int, c_void_p, c_size_t, ctypes.POINTER(c_float_p), c_size_p,
                ctypes.POINTER(c_float_p), c_size_p)
_n_init = fn("csro_net_init", c_int, c_void_p, c_uint64)
_n_forward = fn("csro_net_forward", c_int, c_void_p, c_size_t, c_float_p, c_float_p)


class Net(Handle):
    """A 1D convolutional network. Net(nbins, nclasses) is the ML-APT
    reference architecture; Net.empty(length, channels) then add_* builds
    any stack. params is a writable zero-copy float32 view of all weights."""

    _free = _n_free

    def __init__(self, nbins=93, nclasses=2, seed=None):
        out = c_void_p()
        check(_n_default(ctypes.byref(out), nbins, nclasses))
        super().__init__(out.value)
        if seed is not None:
            self.init(seed)

    @classmethod
    def empty(cls, length, channels=1):
        n = new_handle(cls, _n_new, length, channels)
        n._channels = channels
        return n

    @classmethod
    def _adopt(cls, p, owner=None):
        n = cls.__new__(cls)
        Handle.__init__(n, p, owner)
        return n

    def add(self, kind, *args):
        """add("conv1d", filters, kernel, VALID), add("dense", units), ..."""
        check(_n_add[kind](self.ptr, *args))
        return self

    def clone(self):
        return Net._adopt(_n_clone(self.ptr))

    def __len__(self):
        return _n_nlayers(self.ptr)

    @property
    def layers(self):
        out = []
        for i in range(len(self)):
            ln, ch = c_size_t(), c_size_t()
            _n_lshape(self.ptr, i, ctypes.byref(ln), ctypes.byref(ch))
            out.append((_n_ltype(self.ptr, i), ln.value, ch.value))
        return out

    input_size = property(lambda self: _n_insize(self.ptr))
    output_size = property(lambda self: _n_outsize(self.ptr))

    @property
    def params(self):
        return view(_n_params(self.ptr), (_n_nparams(self.ptr),), np.float32, keeper(self), writeable=True)

    def layer_params(self, i):
        """(weights, bias) of layer i as writable zero-copy views in Keras
        shapes (Conv1D (kernel, in, filters), Dense (inputs, units)); None
        for layers without parameters."""
        w, b, nw, nb = c_float_p(), c_float_p(), c_size_t(), c_size_t()
        check(_n_lparams(self.ptr, i, ctypes.byref(w), ctypes.byref(nw), ctypes.byref(b), ctypes.byref(nb)))
        if not nw.value:
            return None
        kind, _, ch = self.layers[i]
        shape = (nw.value // nb.value, nb.value)
        if kind == CONV1D:
            inch = self.layers[i - 1][2] if i else getattr(self, "_channels", 1)
            shape = (nw.value // (inch * nb.value), inch, nb.value)
        return (view(w, shape, np.float32, keeper(self), True), view(b, (nb.value,), np.float32, keeper(self), True))

    def init(self, seed):
        """Glorot-uniform weights, zero biases (Keras defaults)."""
        check(_n_init(self.ptr, seed))

    def forward(self, x):
        """Inference (dropout off) on a (batch, input_size) array."""
        x = carray(x, np.float32, (-1, self.input_size), "x")
        out = np.empty((len(x), self.output_size), np.float32)
        check(_n_forward(self.ptr, len(x), ptr(x, c_float_p), ptr(out, c_float_p)))
        return out


_t_new = fn("csro_train_opts_new", c_void_p)
_t_free = fn("csro_train_opts_free", None, c_void_p)
_t_set = {"epochs": fn("csro_train_opts_set_epochs", c_int, c_void_p, c_int),
          "batch": fn("csro_train_opts_set_batch", c_int, c_void_p, c_int),
          "folds": fn("csro_train_opts_set_folds", c_int, c_void_p, c_int),
          "holdout": fn("csro_train_opts_set_holdout", c_int, c_void_p, c_double),
          "seed": fn("csro_train_opts_set_seed", c_int, c_void_p, c_uint64),
          "threads": fn("csro_train_opts_set_threads", c_int, c_void_p, c_int)}
_t_adam = fn("csro_train_opts_set_adam", c_int, c_void_p, c_double, c_double, c_double, c_double)
_t_shift = fn("csro_train_opts_set_shift", c_int, c_void_p, c_int, c_int, c_int)
_train = fn("csro_train", c_int, c_void_pp, c_void_pp, c_void_p, c_float_p, c_i32_p, c_size_t, c_size_t,
            c_void_p, PROGRESS, c_void_p)
EPOCH_FN = ctypes.CFUNCTYPE(c_int, c_size_t, c_size_t, c_double, c_double, c_double, c_double, c_void_p)
_t_epoch_fn = fn("csro_train_opts_set_epoch_fn", c_int, c_void_p, EPOCH_FN, c_void_p)
_rep_free = fn("csro_train_report_free", None, c_void_p)
_rep_log = fn("csro_train_report_write_log", c_int, c_void_p, c_char_p)
_rep_ncl = fn("csro_train_report_nclasses", c_size_t, c_void_p)
_rep_conf = fn("csro_train_report_confusion", c_int, c_void_p, c_u64_p)
_rep_acc = fn("csro_train_report_accuracy", c_double, c_void_p)
_rep_prf = fn("csro_train_report_prf", c_int, c_void_p, c_double_p, c_double_p, c_double_p)


class TrainOpts(Handle):
    """Training options: TrainOpts(epochs=5, folds=3, lr=1e-3, shift=None
    or (augment, lo, hi), ...); unset ones keep the Keras-like defaults."""

    _free = _t_free

    def __init__(self, lr=None, shift=None, **kw):
        super().__init__(_t_new())
        for k, v in kw.items():
            if k not in _t_set:
                raise TypeError("TrainOpts: unknown option %r" % k)
            check(_t_set[k](self.ptr, v))
        if lr is not None:
            check(_t_adam(self.ptr, lr, 0.9, 0.999, 1e-7))
        if shift is not None:
            check(_t_shift(self.ptr, *shift))


class TrainReport(Handle):
    """Held-out test of a trained ensemble."""

    _free = _rep_free

    nclasses = property(lambda self: _rep_ncl(self.ptr))
    accuracy = property(lambda self: _rep_acc(self.ptr))

    @property
    def confusion(self):
        """(nclasses, nclasses) uint64 counts, row = true class."""
        nc = self.nclasses
        m = np.zeros((nc, nc), np.uint64)
        check(_rep_conf(self.ptr, ptr(m, c_u64_p)))
        return m

    def prf(self):
        """(precision, recall, f1) arrays per class."""
        nc = self.nclasses
        p, r, f = (np.zeros(nc) for _ in range(3))
        check(_rep_prf(self.ptr, ptr(p, c_double_p), ptr(r, c_double_p), ptr(f, c_double_p)))
        return p, r, f

    def write_log(self, path):
        check(_rep_log(self.ptr, enc(str(path))))


_e_new = fn("csro_ensemble_new", c_int, c_void_pp, c_size_t)
_e_free = fn("csro_ensemble_free", None, c_void_p)
_e_add = fn("csro_ensemble_add", c_int, c_void_p, c_void_p)
_e_size = fn("csro_ensemble_size", c_size_t, c_void_p)
_e_member = fn("csro_ensemble_member", c_void_p, c_void_p, c_size_t)
_e_ncl = fn("csro_ensemble_nclasses", c_size_t, c_void_p)
_e_set_class = fn("csro_ensemble_set_class", c_int, c_void_p, c_size_t, c_char_p)
_e_class = fn("csro_ensemble_class", c_char_p, c_void_p, c_size_t)
_e_set_contract = fn("csro_ensemble_set_contract", c_int, c_void_p, c_void_p)
_e_contract = fn("csro_ensemble_contract", c_void_p, c_void_p)
_e_check = fn("csro_ensemble_check_input", c_int, c_void_p, c_void_p)
_e_set_text = fn("csro_ensemble_set_text", c_int, c_void_p, c_char_p, c_char_p)
_e_text = fn("csro_ensemble_text", c_char_p, c_void_p, c_char_p)
_e_predict = fn("csro_ensemble_predict", c_int, c_void_p, c_size_t, c_float_p, c_float_p, c_float_p, c_int)
_e_save = fn("csro_ensemble_save", c_int, c_void_p, c_char_p)
_e_load = fn("csro_ensemble_load", c_int, c_void_pp, c_char_p)


class Ensemble(Handle):
    """k networks whose mean softmax output is the prediction and whose
    standard deviation is the uncertainty; classes and input contract."""

    _free = _e_free

    def __init__(self, nclasses=2, members=(), classes=None, contract=None):
        out = c_void_p()
        check(_e_new(ctypes.byref(out), nclasses))
        super().__init__(out.value)
        for m in members:
            self.add(m)
        for i, c in enumerate(classes or ()):
            check(_e_set_class(self.ptr, i, enc(c)))
        if contract is not None:
            self.contract = contract

    @classmethod
    def load(cls, path):
        """Load a .csronet file (checksum verified); name = its base name
        (the classify stage records it as classify_model)."""
        e = new_handle(cls, _e_load, enc(str(path)))
        e.name = os.path.basename(str(path))
        return e

    def save(self, path):
        check(_e_save(self.ptr, enc(str(path))))

    def add(self, net):
        check(_e_add(self.ptr, net.ptr))

    def __len__(self):
        return _e_size(self.ptr)

    def member(self, i):
        """Member i as a Net borrowing the ensemble's memory."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        return Net._adopt(_e_member(self.ptr, i), keeper(self))

    nclasses = property(lambda self: _e_ncl(self.ptr))

    @property
    def classes(self):
        return [dec(_e_class(self.ptr, i)) for i in range(self.nclasses)]

    @classes.setter
    def classes(self, names):
        for i, c in enumerate(names):
            check(_e_set_class(self.ptr, i, enc(c)))

    @property
    def contract(self):
        """Copy of the input contract (Meta) or None."""
        p = _e_contract(self.ptr)
        return Meta.copy_of(p) if p else None

    @contract.setter
    def contract(self, meta):
        check(_e_set_contract(self.ptr, meta.ptr))

    def check_input(self, meta):
        """Raise CsroError(EMISMATCH) when data do not fit the contract."""
        check(_e_check(self.ptr, meta.ptr))

    def text(self, key):
        return dec(_e_text(self.ptr, enc(key)))

    def set_text(self, key, value):
        check(_e_set_text(self.ptr, enc(key), enc(value)))

    def predict(self, x, threads=0):
        """(mean, std) (n, nclasses) float32 of preprocessed inputs x (n, nbins)."""
        x = carray(x, np.float32, (-1, -1), "x")
        nc = self.nclasses
        mean, sd = np.empty((len(x), nc), np.float32), np.empty((len(x), nc), np.float32)
        check(_e_predict(self.ptr, len(x), ptr(x, c_float_p), ptr(mean, c_float_p), ptr(sd, c_float_p), threads))
        return mean, sd


def _epoch_fn(on_epoch):
    def cb(fold, epoch, tl, ta, vl, va, _user):
        try:
            return 1 if on_epoch(fold, epoch, tl, ta, vl, va) else 0
        except BaseException:
            return 1
    return EPOCH_FN(cb)


def train(x, y, nclasses=None, arch=None, opts=None, classes=None, contract=None, progress=None, on_epoch=None,
          **kw):
    """k-fold training on preprocessed patterns x (n, nbins) with labels y:
    returns (Ensemble, TrainReport). arch defaults to the reference net;
    opts a TrainOpts or keyword options (epochs=..., folds=...);
    progress(fraction) as in zsdm_voxels; on_epoch(fold, epoch, train_loss,
    train_accuracy, val_loss, val_accuracy) is called as each epoch ends
    (fold, epoch from 0; libcsro >= 1.1); a true return stops the training
    (CsroError ECANCELED)."""
    x = carray(x, np.float32, (-1, -1), "x")
    y = carray(y, np.int32, (len(x),), "y")
    nclasses = int(y.max()) + 1 if nclasses is None else nclasses
    arch = arch or Net(x.shape[1], nclasses)
    opts = opts or TrainOpts(**kw)
    cb = None
    if on_epoch is not None:
        cb = _epoch_fn(on_epoch)  # kept alive until csro_train returns
        check(_t_epoch_fn(opts.ptr, cb, None))
    e, r = c_void_p(), c_void_p()
    try:
        check(_train(ctypes.byref(e), ctypes.byref(r), arch.ptr, ptr(x, c_float_p), ptr(y, c_i32_p), len(x),
                     nclasses, opts.ptr, progress_fn(progress, "train"), None))
    finally:
        if cb is not None:
            _t_epoch_fn(opts.ptr, EPOCH_FN(), None)
    ens = Ensemble.__new__(Ensemble)
    Handle.__init__(ens, e.value)
    rep = TrainReport.__new__(TrainReport)
    Handle.__init__(rep, r.value)
    if classes:
        ens.classes = classes
    if contract is not None:
        ens.contract = contract
    return ens, rep


def train_bank(bank, arch=None, **kw):
    """Train on a labelled Zsdm bank as csro-train does: raw profiles are
    min-max normalised first (constant ones dropped); classes and the input
    contract come from the bank. Returns (Ensemble, TrainReport)."""
    x, y = bank.profiles, bank.label
    contract = bank.meta.clone()
    if contract.preprocess == RAW:
        x, fl = _pre.rows(x, "minmax")
        keep = (fl & ROW_NODATA) == 0
        x, y = x[keep], y[keep]
        contract.set_preprocess(_pre.MINMAX)
    return train(x, y, len(contract.classes), arch, classes=contract.classes, contract=contract, **kw)


_co_new = fn("csro_classify_opts_new", c_void_p)
_co_free = fn("csro_classify_opts_free", None, c_void_p)
_co_pre = fn("csro_classify_opts_set_preprocess", c_int, c_void_p, c_int)
_co_batch = fn("csro_classify_opts_set_batch", c_int, c_void_p, c_size_t)
_co_threads = fn("csro_classify_opts_set_threads", c_int, c_void_p, c_int)
_co_name = fn("csro_classify_opts_set_model_name", c_int, c_void_p, c_char_p)
_c_new = fn("csro_classify_new", c_int, c_void_pp, c_void_p, c_void_p, c_void_p)
_c_free = fn("csro_classify_free", None, c_void_p)
_c_meta = fn("csro_classify_output_meta", c_void_p, c_void_p)
_c_note = fn("csro_classify_note", c_char_p, c_void_p)
_c_rows = fn("csro_classify_rows", c_int, c_void_p, c_size_t, c_float_p, c_u64_p, c_u32_p, c_float_p, c_float_p)
_c_stream = fn("csro_classify_stream", c_int, c_void_p, c_void_p, c_void_p, PROGRESS, c_void_p)
_c_nrows = fn("csro_classify_nrows", c_uint64, c_void_p)
_c_nnodata = fn("csro_classify_nnodata", c_uint64, c_void_p)
_c_default = fn("csro_classify_default_model", c_int, c_char_p, c_size_t, c_char_p, c_char_p, c_char_p)


class ClassifyOpts(Handle):
    """Options of the classify stage (csro/classify.h): preprocess=None
    (the library's rule) or "raw"/"minmax"/"experimental"; batch rows;
    threads; model_name (recorded as classify_model)."""

    _free = _co_free

    def __init__(self, preprocess=None, batch=4096, threads=0, model_name=None):
        super().__init__(_co_new())
        check(_co_pre(self.ptr, -1 if preprocess is None else _STATES.get(preprocess, preprocess)))
        check(_co_batch(self.ptr, batch))
        check(_co_threads(self.ptr, threads))
        if model_name is not None:
            check(_co_name(self.ptr, enc(model_name)))


class Classifier(Handle):
    """The classify stage planned for one model and one kind of input
    (csro_classify_new): output_meta, note (which preprocessing and why)."""

    _free = _c_free

    def __init__(self, ensemble, meta, opts=None, **kw):
        opts = opts or ClassifyOpts(model_name=kw.pop("model_name", getattr(ensemble, "name", None)), **kw)
        out = c_void_p()
        check(_c_new(ctypes.byref(out), ensemble.ptr, meta.ptr, opts.ptr))
        super().__init__(out.value)
        self._ens = ensemble  # the classifier borrows the ensemble

    output_meta = property(lambda self: Meta.copy_of(_c_meta(self.ptr)))
    note = property(lambda self: dec(_c_note(self.ptr)))
    nrows = property(lambda self: _c_nrows(self.ptr))
    nnodata = property(lambda self: _c_nnodata(self.ptr))

    def rows(self, profiles, index=None, flags=None):
        """(flags, mean, std) of (n, nbins) profiles (not modified)."""
        x = np.array(profiles, np.float32, order="C", copy=True)
        n, nc = len(x), self._ens.nclasses
        idx = None if index is None else carray(index, np.uint64, (n,), "index")
        fl = np.zeros(n, np.uint32) if flags is None else np.array(flags, np.uint32)
        mean, sd = np.empty((n, nc), np.float32), np.empty((n, nc), np.float32)
        check(_c_rows(self.ptr, n, ptr(x, c_float_p), ptr(idx, c_u64_p), ptr(fl, c_u32_p), ptr(mean, c_float_p),
                      ptr(sd, c_float_p)))
        return fl, mean, sd


def classify(ensemble, data, threads=0, preprocess=None, batch=4096, model_name=None):
    """The csro-classify step on a Zsdm in memory, by the library's
    classify stage (csro/classify.h): preprocessing by the model's contract
    and the measured-data rule (preprocess="minmax"... on request), the
    contract check (bins, pair), no-data rows, the output metadata. Returns
    a Prob; write_prob() of it gives the bytes csro-classify writes."""
    c = Classifier(ensemble, data.meta, threads=threads, preprocess=preprocess, batch=batch,
                   model_name=model_name or getattr(ensemble, "name", None))
    idx = np.array(data.index, np.uint64)
    fl, mean, sd = c.rows(data.profiles, idx, data.flags)
    return Prob(c.output_meta, idx, fl, mean, sd)


def classify_file(ensemble, src, dst, threads=0, preprocess=None, batch=4096, model_name=None, progress=None):
    """Stream the .zsdm file src through the classify stage into the .prob
    file dst (csro_classify_stream, bounded memory); returns the note."""
    from .zsdm import ZsdmReader, _pw_open, _pw_close, _pw_abort
    with ZsdmReader(src) as r:
        c = Classifier(ensemble, r.meta, threads=threads, preprocess=preprocess, batch=batch,
                       model_name=model_name or getattr(ensemble, "name", None))
        w = c_void_p()
        check(_pw_open(ctypes.byref(w), enc(str(dst)), _c_meta(c.ptr)))
        rc = _c_stream(c.ptr, r.ptr, w.value, progress_fn(progress), None)
        if rc < 0:
            _pw_abort(w.value)
            check(rc)
        check(_pw_close(w.value))
        return c.note


def default_model(pair, directory=None):
    """Path of the default model of pair ("Ni", "Ni") in directory (None:
    $CSRO_MODEL_DIR or the installed models); CsroError ENOTFOUND if none."""
    buf = ctypes.create_string_buffer(4096)
    check(_c_default(buf, len(buf), enc(pair[0]), enc(pair[1]), None if directory is None else enc(str(directory))))
    return dec(buf.value)
