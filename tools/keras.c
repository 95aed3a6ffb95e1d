/* keras.c: Keras 2 HDF5 Sequential models (1D CNNs such as the published
 * ML-APT ensemble) to a csro_net (see keras.h, csro-net-import(1)).
 *
 * The architecture comes from the root attribute `model_config` (JSON, read
 * with jansson), the weights from model_weights/<layer>/<layer>/kernel:0 and
 * bias:0 (read with libhdf5, converted to float32). Each Keras layer maps
 * onto csro_net_add_* calls; an activation inside Conv1D/Dense becomes a
 * separate ReLU/Softmax layer. Anything we cannot reproduce exactly is
 * refused with a message naming the layer.
 *
 * Errors: bad() formats the message and longjmps back to keras_import(),
 * which releases everything registered in the context (HDF5 identifiers,
 * the JSON tree, the network, buffers). */
#include "keras.h"
#include <hdf5.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KERAS_MAX_IDS 16

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    int code;
    jmp_buf jb;
    hid_t ids[KERAS_MAX_IDS]; /* open HDF5 identifiers */
    int nids;
    size_t addr_size; /* bytes of a file address (superblock) */
    char *cfg;        /* model_config text */
    json_t *root;     /* its JSON tree */
    csro_net *net;    /* the network being built */
} kctx;

_Noreturn static void fail(kctx *k, int code, const char *layer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
_Noreturn static void fail(kctx *k, int code, const char *layer, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (layer) snprintf(k->err, k->errlen, "%s: layer '%s': %s", k->path, layer, msg);
    else snprintf(k->err, k->errlen, "%s: %s", k->path, msg);
    k->code = code;
    longjmp(k->jb, 1);
}

#define bad(k, layer, ...) fail(k, CSRO_EFORMAT, layer, __VA_ARGS__)

/* A library call's refusal (rc != 0) names file and layer. */
static void lib_ok(kctx *k, int rc, const char *layer)
{
    if (rc) fail(k, rc, layer, "%s", csro_last_error());
}

/* Register an HDF5 identifier (if valid) so that an error releases it. */
static hid_t hold(kctx *k, hid_t id)
{
    if (id >= 0) {
        if (k->nids == KERAS_MAX_IDS) {
            H5Idec_ref(id);
            fail(k, CSRO_EINVAL, NULL, "too many open HDF5 objects (internal limit)");
        }
        k->ids[k->nids++] = id;
    }
    return id;
}

/* Close an identifier from hold(). */
static void drop(kctx *k, hid_t id)
{
    for (int i = k->nids - 1; i >= 0; i--) {
        if (k->ids[i] == id) {
            H5Idec_ref(id);
            k->ids[i] = k->ids[--k->nids];
            return;
        }
    }
}

/* A size from the JSON (10 or [10]) in [1, KERAS_MAX_SIZE], else refused
 * with a message naming file, layer and key. Absent: -1. */
static long size_value(kctx *k, json_t *v, const char *key, const char *layer)
{
    if (!v || json_is_null(v)) return -1;
    if (json_is_array(v) && json_array_size(v) == 1) v = json_array_get(v, 0);
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > KERAS_MAX_SIZE) {
        if (json_is_integer(v))
            bad(k, layer, "%s %lld is not in [1, %ld]", key, (long long)json_integer_value(v), KERAS_MAX_SIZE);
        bad(k, layer, "%s is not a positive integer", key);
    }
    return (long)json_integer_value(v);
}

static long json_size(kctx *k, json_t *c, const char *key, const char *layer)
{
    return size_value(k, json_object_get(c, key), key, layer);
}

/* Refuse weights that are not all finite (NaN or infinite values would
 * make every prediction NaN). */
static void check_finite(kctx *k, const char *layer, const char *what, const float *w, size_t n)
{
    size_t bad_n = 0;
    for (size_t i = 0; i < n; i++) bad_n += !isfinite(w[i]);
    if (bad_n) bad(k, layer, "%zu of the %zu %s values are not finite (NaN or infinite)", bad_n, n, what);
}

/* Refuse an attribute whose stored data is not the size of its elements
 * (libhdf5 1.10 then reads past its buffer). A variable-length string is
 * stored as length, heap address and index (8 + address size bytes). */
static void check_attr(kctx *k, hid_t a, hid_t t, const char *name)
{
    hid_t sp = hold(k, H5Aget_space(a));
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    drop(k, sp);
    size_t el = H5Tis_variable_str(t) > 0 ? 8 + k->addr_size : H5Tget_size(t);
    hsize_t have = H5Aget_storage_size(a);
    if (n < 0 || el == 0 || have != (hsize_t)n * el)
        bad(k, NULL, "attribute '%s' is damaged (%llu bytes stored for %lld values of %zu bytes)", name,
            (unsigned long long)have, (long long)n, el);
}

/* A variable-length string attribute of the file as a malloc'ed copy
 * (NULL if it cannot be read). */
static char *read_vlen_attr(kctx *k, hid_t a, hid_t t, const char *name)
{
    check_attr(k, a, t, name);
    hid_t mt = hold(k, H5Tcopy(H5T_C_S1));
    if (mt < 0) return NULL;
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(t)); /* h5py writes UTF-8, Keras 2 ASCII */
    char *v = NULL, *s = NULL;
    if (H5Aread(a, mt, &v) >= 0 && v) {
        s = strdup(v);
        hid_t sp = H5Aget_space(a);
        if (sp >= 0) {
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &v);
            H5Sclose(sp);
        }
    }
    drop(k, mt);
    return s;
}

/* model_config as a malloc'ed string (variable- or fixed-length) in k->cfg. */
static void read_model_config(kctx *k, hid_t f)
{
    if (H5Aexists(f, "model_config") <= 0) bad(k, NULL, "no 'model_config' attribute (not a Keras HDF5 model)");
    hid_t a = hold(k, H5Aopen(f, "model_config", H5P_DEFAULT));
    hid_t t = a < 0 ? -1 : hold(k, H5Aget_type(a));
    if (a < 0 || t < 0 || H5Tget_class(t) != H5T_STRING) bad(k, NULL, "attribute 'model_config' is not a string");
    if (H5Tis_variable_str(t) > 0) {
        k->cfg = read_vlen_attr(k, a, t, "model_config");
        if (!k->cfg) bad(k, NULL, "cannot read attribute 'model_config' (damaged file, or its length is implausible)");
    } else {
        size_t n = H5Tget_size(t);
        if (n > (64u << 20)) bad(k, NULL, "attribute 'model_config' claims more than 64 MiB (damaged file?)");
        check_attr(k, a, t, "model_config");
        if (!(k->cfg = calloc(n + 1, 1))) fail(k, CSRO_ENOMEM, NULL, "out of memory");
        hid_t mt = hold(k, H5Tcopy(H5T_C_S1));
        if (mt < 0 || H5Tset_size(mt, n + 1) < 0 || H5Tset_cset(mt, H5Tget_cset(t)) < 0 || H5Aread(a, mt, k->cfg) < 0)
            bad(k, NULL, "cannot read attribute 'model_config'");
        drop(k, mt);
    }
    drop(k, t);
    drop(k, a);
}

/* First integer of a Keras size field: 10 or [10]. -1 when absent. */
static long json_int1(json_t *c, const char *key)
{
    json_t *v = json_object_get(c, key);
    if (json_is_array(v)) {
        if (json_array_size(v) != 1) return -2;
        v = json_array_get(v, 0);
    }
    return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static const char *json_str(json_t *c, const char *key, const char *dflt)
{
    json_t *v = json_object_get(c, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

/* 1 if every link of the relative path exists (H5Lexists needs the
 * parents to exist). */
static int path_valid(hid_t f, const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf;; p++) {
        if (*p == '/' || !*p) {
            char save = *p;
            *p = 0;
            if (H5Lexists(f, buf, H5P_DEFAULT) <= 0) return 0;
            if (!save) return 1;
            *p = save;
        }
    }
}

/* Keras lists a layer's datasets in the attribute weight_names of its group
 * ("conv1d_22/kernel:0", ...; fixed- or variable-length strings). Find the
 * one whose last component is <what>:0 and write its path below group into
 * out. Returns 0 when the attribute or the entry is absent. */
static int weight_from_names(kctx *k, hid_t f, const char *group, const char *what, char *out, size_t outlen)
{
    if (!path_valid(f, group) || H5Aexists_by_name(f, group, "weight_names", H5P_DEFAULT) <= 0) return 0;
    hid_t a = hold(k, H5Aopen_by_name(f, group, "weight_names", H5P_DEFAULT, H5P_DEFAULT));
    hid_t t = a < 0 ? -1 : hold(k, H5Aget_type(a)), sp = a < 0 ? -1 : hold(k, H5Aget_space(a));
    int found = 0;
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    char want[64];
    snprintf(want, sizeof want, "%s:0", what);
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && n > 0 && n < 1024) {
        check_attr(k, a, t, "weight_names");
        hid_t mt = hold(k, H5Tcopy(H5T_C_S1));
        int vlen = H5Tis_variable_str(t) > 0;
        size_t sz = vlen ? sizeof(char *) : H5Tget_size(t);
        char *buf = mt < 0 || sz == 0 || sz > 4096 ? NULL : calloc((size_t)n, sz);
        if (buf) {
            H5Tset_cset(mt, H5Tget_cset(t));
            H5Tset_size(mt, vlen ? H5T_VARIABLE : sz);
            if (!vlen) H5Tset_strpad(mt, H5T_STR_NULLPAD);
        }
        if (buf && H5Aread(a, mt, buf) >= 0) {
            for (hssize_t i = 0; i < n && !found; i++) {
                char name[512];
                if (vlen) snprintf(name, sizeof name, "%s", ((char **)buf)[i] ? ((char **)buf)[i] : "");
                else snprintf(name, sizeof name, "%.*s", (int)sz, buf + (size_t)i * sz);
                const char *base = strrchr(name, '/');
                if (!strcmp(base ? base + 1 : name, want)) {
                    snprintf(out, outlen, "%s/%s", group, name);
                    found = 1;
                }
            }
            if (vlen) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
        }
        free(buf);
        drop(k, mt);
    }
    drop(k, sp);
    drop(k, t);
    drop(k, a);
    return found;
}

/* Read dataset <group>/<name>/<name>/<what>:0 (or the one weight_names
 * lists) into w (n floats), checking its shape against dims (rank r). */
static void read_weights(kctx *k, hid_t f, const char *layer, const char *what, int r,
                         const hsize_t *dims, float *w, size_t n)
{
    char path[1200], group[600];
    const char *root = H5Lexists(f, "model_weights", H5P_DEFAULT) > 0 ? "model_weights/" : "";
    snprintf(group, sizeof group, "%s%s", root, layer);
    if (!weight_from_names(k, f, group, what, path, sizeof path))
        snprintf(path, sizeof path, "%s/%s/%s:0", group, layer, what);
    if (!path_valid(f, path)) bad(k, layer, "weights '%s' not found", path);
    hid_t d = hold(k, H5Dopen2(f, path, H5P_DEFAULT));
    hid_t sp = d < 0 ? -1 : hold(k, H5Dget_space(d));
    if (d < 0 || sp < 0) bad(k, layer, "cannot open dataset '%s'", path);
    hsize_t got[8];
    int gr = H5Sget_simple_extent_ndims(sp);
    if (gr != r || gr > 8) bad(k, layer, "dataset '%s' has an unexpected rank", path);
    H5Sget_simple_extent_dims(sp, got, NULL);
    size_t cnt = 1;
    for (int i = 0; i < r; i++) {
        if (got[i] != dims[i])
            bad(k, layer, "%s: shape dimension %d is %llu, expected %llu", path, i,
                (unsigned long long)got[i], (unsigned long long)dims[i]);
        cnt *= got[i];
    }
    if (cnt != n) bad(k, layer, "dataset '%s' has the wrong size", path);
    if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, w) < 0)
        bad(k, layer, "cannot read dataset '%s'", path);
    drop(k, sp);
    drop(k, d);
}

static void add_activation(kctx *k, const char *layer, const char *act)
{
    if (!strcmp(act, "relu")) lib_ok(k, csro_net_add_relu(k->net), layer);
    else if (!strcmp(act, "softmax")) lib_ok(k, csro_net_add_softmax(k->net), layer);
    else if (strcmp(act, "linear")) bad(k, layer, "activation '%s' is unsupported (relu, softmax, linear)", act);
}

/* Copy weights of the parametric layer just added. */
static void load_layer(kctx *k, hid_t f, const char *layer, int rank, const hsize_t *kdims, int use_bias)
{
    float *w, *b;
    size_t nw, nb;
    lib_ok(k, csro_net_layer_params(k->net, csro_net_nlayers(k->net) - 1, &w, &nw, &b, &nb), layer);
    read_weights(k, f, layer, "kernel", rank, kdims, w, nw);
    check_finite(k, layer, "kernel", w, nw);
    hsize_t bd[1] = { nb };
    if (use_bias) read_weights(k, f, layer, "bias", 1, bd, b, nb);
    else memset(b, 0, nb * sizeof *b);
    check_finite(k, layer, "bias", b, nb);
}

static void check_channels_last(kctx *k, json_t *c, const char *name)
{
    const char *df = json_str(c, "data_format", "channels_last");
    if (strcmp(df, "channels_last")) bad(k, name, "data_format '%s' is unsupported", df);
}

static void add_conv1d(kctx *k, hid_t f, json_t *c, const char *name, size_t in_ch)
{
    long filters = json_size(k, c, "filters", name), ks = json_size(k, c, "kernel_size", name);
    long st = json_int1(c, "strides"), dil = json_int1(c, "dilation_rate");
    const char *pad = json_str(c, "padding", "valid");
    check_channels_last(k, c, name);
    if (filters <= 0 || ks <= 0) bad(k, name, "Conv1D without valid filters/kernel_size");
    if (st != 1 && st != -1) bad(k, name, "Conv1D strides other than 1 are unsupported");
    if (dil != 1 && dil != -1) bad(k, name, "Conv1D dilation_rate other than 1 is unsupported");
    int p = !strcmp(pad, "valid") ? CSRO_PAD_VALID : !strcmp(pad, "same") ? CSRO_PAD_SAME : -1;
    if (p < 0) bad(k, name, "Conv1D padding '%s' is unsupported (valid, same)", pad);
    lib_ok(k, csro_net_add_conv1d(k->net, (size_t)filters, (size_t)ks, p), name);
    hsize_t kd[3] = { (hsize_t)ks, in_ch, (hsize_t)filters };
    load_layer(k, f, name, 3, kd, json_is_false(json_object_get(c, "use_bias")) ? 0 : 1);
    add_activation(k, name, json_str(c, "activation", "linear"));
}

static void add_dense(kctx *k, hid_t f, json_t *c, const char *name, size_t in_len, size_t in_ch)
{
    long units = json_size(k, c, "units", name);
    if (units <= 0) bad(k, name, "Dense without valid units");
    if (in_len != 1) bad(k, name, "Dense on a non-flat input (add Flatten first) is unsupported");
    lib_ok(k, csro_net_add_dense(k->net, (size_t)units), name);
    hsize_t kd[2] = { in_ch, (hsize_t)units };
    load_layer(k, f, name, 2, kd, json_is_false(json_object_get(c, "use_bias")) ? 0 : 1);
    add_activation(k, name, json_str(c, "activation", "linear"));
}

/* One entry of the layer list. */
static void add_layer(kctx *k, hid_t f, json_t *L, size_t len, size_t ch)
{
    const char *kind = json_str(L, "class_name", "?");
    json_t *c = json_object_get(L, "config");
    const char *name = json_str(c, "name", kind);
    csro_net *n = k->net;
    if (!json_is_object(c)) bad(k, name, "layer has no config");
    size_t li_len = len, li_ch = ch;
    if (csro_net_nlayers(n)) csro_net_layer_shape(n, csro_net_nlayers(n) - 1, &li_len, &li_ch);
    if (!strcmp(kind, "InputLayer")) return;
    if (!strcmp(kind, "Conv1D")) {
        add_conv1d(k, f, c, name, li_ch);
    } else if (!strcmp(kind, "Dense")) {
        add_dense(k, f, c, name, li_len, li_ch);
    } else if (!strcmp(kind, "Dropout")) {
        json_t *r = json_object_get(c, "rate");
        lib_ok(k, csro_net_add_dropout(n, json_is_number(r) ? json_number_value(r) : 0.5), name);
    } else if (!strcmp(kind, "MaxPooling1D")) {
        long pool = json_size(k, c, "pool_size", name), st = json_int1(c, "strides");
        const char *pad = json_str(c, "padding", "valid");
        check_channels_last(k, c, name);
        if (pool <= 0) bad(k, name, "MaxPooling1D without a valid pool_size");
        if (st != -1 && st != pool) bad(k, name, "MaxPooling1D strides different from pool_size are unsupported");
        if (strcmp(pad, "valid")) bad(k, name, "MaxPooling1D padding '%s' is unsupported (valid)", pad);
        lib_ok(k, csro_net_add_maxpool1d(n, (size_t)pool), name);
    } else if (!strcmp(kind, "Flatten")) {
        check_channels_last(k, c, name);
        lib_ok(k, csro_net_add_flatten(n), name);
    } else if (!strcmp(kind, "Activation")) {
        add_activation(k, name, json_str(c, "activation", "?"));
    } else if (!strcmp(kind, "ReLU")) {
        json_t *mv = json_object_get(c, "max_value");
        json_t *ns = json_object_get(c, "negative_slope");
        json_t *th = json_object_get(c, "threshold");
        if ((mv && !json_is_null(mv)) || (ns && json_number_value(ns) != 0) || (th && json_number_value(th) != 0))
            bad(k, name, "ReLU with max_value/negative_slope/threshold is unsupported");
        lib_ok(k, csro_net_add_relu(n), name);
    } else if (!strcmp(kind, "Softmax")) {
        lib_ok(k, csro_net_add_softmax(n), name);
    } else {
        bad(k, name, "layer type '%s' is unsupported (Conv1D, Dense, Dropout, MaxPooling1D, Flatten, "
            "Activation, ReLU, Softmax)", kind);
    }
}

static uint64_t rd_le(const unsigned char *p, int nbytes)
{
    uint64_t v = 0;
    for (int i = nbytes - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* libhdf5 1.10 loops forever when an object of a global heap collection
 * (signature GCOL; it holds variable-length strings such as model_config)
 * has size 0, and walks past the collection when a size is too large.
 * Walk every collection of the file as libhdf5 does (8-byte lengths, as
 * h5py and Keras write them) and refuse such a file before it is opened. */
static void check_global_heaps(kctx *k)
{
    int fd = open(k->path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        int e = errno;
        if (fd >= 0) close(fd);
        fail(k, CSRO_EIO, NULL, "%s", strerror(e));
    }
    size_t n = S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
    const unsigned char *b = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (b == MAP_FAILED) return; /* empty or not mappable: left to libhdf5 */
    char why[200] = "";
    for (const unsigned char *g = memmem(b, n, "GCOL", 4); g && !why[0];
         g = memmem(g + 1, n - (size_t)(g + 1 - b), "GCOL", 4)) {
        size_t off = (size_t)(g - b);
        if (n - off < 16 || g[4] != 1) continue;
        uint64_t size = rd_le(g + 8, 8);
        size_t end = off + (size < n - off ? (size_t)size : n - off);
        for (size_t p = off + 16; p + 16 <= end;) {
            unsigned idx = (unsigned)rd_le(b + p, 2);
            uint64_t sz = rd_le(b + p + 8, 8);
            uint64_t need = sz > end - p ? 0 : idx ? 16 + ((sz + 7) & ~(uint64_t)7) : sz;
            if (need == 0 || need > end - p) {
                snprintf(why, sizeof why, "global heap at byte %zu: object %u of %llu bytes does not fit "
                         "(damaged file)", off, idx, (unsigned long long)sz);
                break;
            }
            p += (size_t)need;
        }
    }
    munmap((void *)b, n);
    if (why[0]) bad(k, NULL, "%s", why);
}

static void import(kctx *k, char **keras_version)
{
    check_global_heaps(k);
    hid_t f = hold(k, H5Fopen(k->path, H5F_ACC_RDONLY, H5P_DEFAULT));
    if (f < 0) fail(k, CSRO_EFORMAT, NULL, "cannot open as HDF5");
    hid_t fcpl = hold(k, H5Fget_create_plist(f));
    size_t addr_size = 0, size_size = 0;
    if (fcpl < 0 || H5Pget_sizes(fcpl, &addr_size, &size_size) < 0) bad(k, NULL, "cannot read the superblock");
    drop(k, fcpl);
    k->addr_size = addr_size;
    if (keras_version && !*keras_version && H5Aexists(f, "keras_version") > 0) {
        hid_t a = hold(k, H5Aopen(f, "keras_version", H5P_DEFAULT));
        hid_t t = a < 0 ? -1 : hold(k, H5Aget_type(a));
        if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0)
            *keras_version = read_vlen_attr(k, a, t, "keras_version");
        drop(k, t);
        drop(k, a);
    }
    read_model_config(k, f);
    json_error_t je;
    k->root = json_loads(k->cfg, 0, &je);
    if (!k->root) bad(k, NULL, "model_config is not valid JSON (line %d: %s)", je.line, je.text);
    const char *cls = json_str(k->root, "class_name", "");
    if (strcmp(cls, "Sequential")) bad(k, NULL, "model class '%s' is unsupported (only Sequential)", cls);
    json_t *layers = json_object_get(k->root, "config");
    if (json_is_object(layers)) layers = json_object_get(layers, "layers");
    if (!json_is_array(layers) || json_array_size(layers) == 0) bad(k, NULL, "model_config has no layer list");

    /* Input shape from the first layer (or an InputLayer): batch_input_shape
     * (Keras 2), batch_shape (later exports), or the Sequential's
     * build_input_shape. */
    json_t *c0 = json_object_get(json_array_get(layers, 0), "config");
    json_t *shape = json_object_get(c0, "batch_input_shape");
    if (!shape) shape = json_object_get(c0, "batch_shape");
    if (!shape) shape = json_object_get(json_object_get(k->root, "config"), "build_input_shape");
    if (!json_is_array(shape) || json_array_size(shape) != 3 ||
        !json_is_integer(json_array_get(shape, 1)) || !json_is_integer(json_array_get(shape, 2)))
        bad(k, NULL, "first layer has no batch_input_shape [null, length, channels]");
    const char *first = json_str(c0, "name", "input");
    size_t len = (size_t)size_value(k, json_array_get(shape, 1), "input length", first);
    size_t ch = (size_t)size_value(k, json_array_get(shape, 2), "input channels", first);
    lib_ok(k, csro_net_new(&k->net, len, ch), first);
    size_t i;
    json_t *L;
    json_array_foreach(layers, i, L) add_layer(k, f, L, len, ch);
    drop(k, f);
}

int keras_import(csro_net **out, char **keras_version, const char *path, char *err, size_t errlen)
{
    kctx ctx = { .path = path, .err = err, .errlen = errlen };
    kctx *volatile k = &ctx;
    *out = NULL;
    if (errlen) err[0] = 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (setjmp(k->jb)) {
        while (k->nids) H5Idec_ref(k->ids[--k->nids]);
        csro_net_free(k->net);
        json_decref(k->root);
        free(k->cfg);
        return k->code;
    }
    import(k, keras_version);
    json_decref(k->root);
    free(k->cfg);
    *out = k->net;
    return 0;
}
