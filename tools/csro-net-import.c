/* csro-net-import: convert Keras 2 HDF5 models (Sequential 1D CNNs such as
 * the published ML-APT ensemble) into one .csronet ensemble.
 *
 * The architecture comes from the root attribute `model_config` (JSON, read
 * with jansson), the weights from model_weights/<layer>/<layer>/kernel:0 and
 * bias:0 (read with libhdf5, converted to float32). Each Keras layer maps
 * onto csro_net_add_* calls; an activation inside Conv1D/Dense becomes a
 * separate ReLU/Softmax layer. Anything we cannot reproduce exactly is
 * refused with a message naming the layer. */
#include "common.h"
#include <hdf5.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *cur_path; /* file being imported, for messages */

_Noreturn static void bad(const char *layer, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    if (layer) tool_die(TOOL_EDATA, "%s: layer '%s': %s", cur_path, layer, msg);
    tool_die(TOOL_EDATA, "%s: %s", cur_path, msg);
}

/* Largest size (filters, units, kernel, pool, input length or channels)
 * taken from a model's JSON: far above any 1D CNN on z-SDM profiles, far
 * below what could overflow a product of two of them. */
#define IMPORT_MAX_SIZE (1L << 24)

/* Memory cap while one model is read. libhdf5 allocates a variable-length
 * string (model_config) with the length stored in the file, before anything
 * can check it: a damaged length used to cost GBs. The address space may
 * grow by 64 MiB + 4x the file's size while the model is read; beyond that
 * allocations fail and the import stops with a message. Not under ASan,
 * whose shadow memory needs the whole address space. */
static struct rlimit mem_saved;
static int mem_capped;

static void memory_uncap(void)
{
    if (mem_capped) setrlimit(RLIMIT_AS, &mem_saved);
    mem_capped = 0;
}

static void memory_cap(const char *path)
{
#if !defined(__SANITIZE_ADDRESS__)
    struct stat st;
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (fp) {
        if (fscanf(fp, "%lu", &pages) != 1) pages = 0;
        fclose(fp);
    }
    if (!pages || stat(path, &st) || getrlimit(RLIMIT_AS, &mem_saved)) return;
    struct rlimit rl = mem_saved;
    rlim_t cap = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)64 << 20) + 4 * (rlim_t)st.st_size;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cap) return;
    rl.rlim_cur = cap;
    static int once;
    if (!once++) atexit(memory_uncap); /* exit paths (OpenBLAS' shutdown needs memory) */
    mem_capped = !setrlimit(RLIMIT_AS, &rl);
#else
    (void)path;
#endif
}

/* A size from the JSON (10 or [10]) in [1, IMPORT_MAX_SIZE], else the
 * import stops with a message naming file, layer and key. Absent: -1. */
static long size_value(json_t *v, const char *key, const char *layer)
{
    if (!v || json_is_null(v)) return -1;
    if (json_is_array(v) && json_array_size(v) == 1) v = json_array_get(v, 0);
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > IMPORT_MAX_SIZE) {
        char m[160];
        if (json_is_integer(v))
            snprintf(m, sizeof m, "%s %lld is not in [1, %ld]", key, (long long)json_integer_value(v), IMPORT_MAX_SIZE);
        else
            snprintf(m, sizeof m, "%s is not a positive integer", key);
        bad(layer, "%s", m);
    }
    return (long)json_integer_value(v);
}

static long json_size(json_t *c, const char *key, const char *layer)
{
    return size_value(json_object_get(c, key), key, layer);
}

/* A library call that adds a layer: its refusal names file and layer. */
static void layer_ok(int rc, const char *layer)
{
    if (rc) bad(layer, "%s", csro_last_error());
}

/* Refuse weights that are not all finite (NaN or infinite values would
 * make every prediction NaN). */
static void check_finite(const char *layer, const char *what, const float *w, size_t n)
{
    size_t bad_n = 0;
    for (size_t i = 0; i < n; i++) bad_n += !isfinite(w[i]);
    if (bad_n) {
        char m[160];
        snprintf(m, sizeof m, "%zu of the %zu %s values are not finite (NaN or infinite)", bad_n, n, what);
        bad(layer, "%s", m);
    }
}

/* model_config as a malloc'ed string (variable- or fixed-length). */
static char *read_model_config(hid_t f)
{
    if (H5Aexists(f, "model_config") <= 0)
        bad(NULL, "no 'model_config' attribute (not a Keras HDF5 model%s)", "");
    hid_t a = H5Aopen(f, "model_config", H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a);
    if (a < 0 || t < 0 || H5Tget_class(t) != H5T_STRING)
        bad(NULL, "attribute 'model_config' is not a string%s", "");
    char *s = NULL;
    if (H5Tis_variable_str(t) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t)); /* h5py writes UTF-8, Keras 2 ASCII */
        char *v = NULL;
        if (H5Aread(a, mt, &v) < 0 || !v)
            bad(NULL, "cannot read attribute 'model_config' (damaged file, or its length is implausible)%s", "");
        s = strdup(v);
        hid_t sp = H5Aget_space(a);
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &v);
        H5Sclose(sp);
        H5Tclose(mt);
    } else {
        size_t n = H5Tget_size(t);
        if (n > (64u << 20)) bad(NULL, "attribute 'model_config' claims %s bytes (damaged file?)", "more than 64 MiB");
        s = calloc(n + 1, 1);
        if (!s) tool_die(TOOL_EDATA, "out of memory");
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, n + 1);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Aread(a, mt, s) < 0) bad(NULL, "cannot read attribute 'model_config'%s", "");
        H5Tclose(mt);
    }
    if (!s) tool_die(TOOL_EDATA, "out of memory");
    H5Tclose(t);
    H5Aclose(a);
    return s;
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

/* Read dataset <group>/<name>/<name>/<what>:0 into w (n floats), checking
 * its shape against dims (rank r). */
/* Keras lists a layer's datasets in the attribute weight_names of its group
 * ("conv1d_22/kernel:0", ...; fixed- or variable-length strings). Find the
 * one whose last component is <what>:0 and write its path below group into
 * out. Returns 0 when the attribute or the entry is absent. */
static int weight_from_names(hid_t f, const char *group, const char *what, char *out, size_t outlen)
{
    if (!path_valid(f, group) || H5Aexists_by_name(f, group, "weight_names", H5P_DEFAULT) <= 0) return 0;
    hid_t a = H5Aopen_by_name(f, group, "weight_names", H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a), sp = a < 0 ? -1 : H5Aget_space(a);
    int found = 0;
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    char want[64];
    snprintf(want, sizeof want, "%s:0", what);
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && n > 0 && n < 1024) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(t));
        int vlen = H5Tis_variable_str(t) > 0;
        size_t sz = vlen ? sizeof(char *) : H5Tget_size(t);
        H5Tset_size(mt, vlen ? H5T_VARIABLE : sz);
        if (!vlen) H5Tset_strpad(mt, H5T_STR_NULLPAD);
        char *buf = calloc((size_t)n, sz);
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
        H5Tclose(mt);
    }
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    if (a >= 0) H5Aclose(a);
    return found;
}

static void read_weights(hid_t f, const char *layer, const char *what, int r,
                         const hsize_t *dims, float *w, size_t n)
{
    char path[1200], group[600];
    const char *root = H5Lexists(f, "model_weights", H5P_DEFAULT) > 0 ? "model_weights/" : "";
    snprintf(group, sizeof group, "%s%s", root, layer);
    if (!weight_from_names(f, group, what, path, sizeof path))
        snprintf(path, sizeof path, "%s/%s/%s:0", group, layer, what);
    if (!path_valid(f, path)) bad(layer, "weights '%s' not found", path);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    if (d < 0 || sp < 0) bad(layer, "cannot open dataset '%s'", path);
    hsize_t got[8];
    int gr = H5Sget_simple_extent_ndims(sp);
    if (gr != r || gr > 8) bad(layer, "dataset '%s' has an unexpected rank", path);
    H5Sget_simple_extent_dims(sp, got, NULL);
    size_t cnt = 1;
    for (int i = 0; i < r; i++) {
        if (got[i] != dims[i]) {
            tool_die(TOOL_EDATA, "%s: layer '%s': %s: shape dimension %d is %llu, expected %llu",
                     cur_path, layer, path, i, (unsigned long long)got[i], (unsigned long long)dims[i]);
        }
        cnt *= got[i];
    }
    if (cnt != n) bad(layer, "dataset '%s' has the wrong size", path);
    if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, w) < 0)
        bad(layer, "cannot read dataset '%s'", path);
    H5Sclose(sp);
    H5Dclose(d);
}

static void add_activation(csro_net *n, const char *layer, const char *act)
{
    int rc = 0;
    if (!strcmp(act, "relu")) rc = csro_net_add_relu(n);
    else if (!strcmp(act, "softmax")) rc = csro_net_add_softmax(n);
    else if (strcmp(act, "linear")) bad(layer, "activation '%s' is unsupported (relu, softmax, linear)", act);
    if (rc) tool_fail(rc);
}

/* Copy weights of the parametric layer just added (index li). */
static void load_layer(hid_t f, csro_net *n, size_t li, const char *layer, int rank,
                       const hsize_t *kdims, int use_bias)
{
    float *w, *b;
    size_t nw, nb;
    int rc = csro_net_layer_params(n, li, &w, &nw, &b, &nb);
    if (rc) tool_fail(rc);
    read_weights(f, layer, "kernel", rank, kdims, w, nw);
    check_finite(layer, "kernel", w, nw);
    hsize_t bd[1] = { nb };
    if (use_bias) read_weights(f, layer, "bias", 1, bd, b, nb);
    else memset(b, 0, nb * sizeof *b);
    check_finite(layer, "bias", b, nb);
}

static void check_channels_last(json_t *c, const char *name)
{
    const char *df = json_str(c, "data_format", "channels_last");
    if (strcmp(df, "channels_last")) bad(name, "data_format '%s' is unsupported", df);
}

static csro_net *import_one(const char *path, char **keras_version)
{
    cur_path = path;
    memory_cap(path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) tool_die(TOOL_EDATA, "%s: cannot open as HDF5", path);
    if (H5Aexists(f, "keras_version") > 0 && !*keras_version) {
        hid_t a = H5Aopen(f, "keras_version", H5P_DEFAULT), t = H5Aget_type(a);
        if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(t));
            char *v = NULL;
            if (H5Aread(a, mt, &v) >= 0 && v) {
                *keras_version = strdup(v);
                hid_t sp = H5Aget_space(a);
                H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &v);
                H5Sclose(sp);
            }
            H5Tclose(mt);
        }
        H5Tclose(t);
        H5Aclose(a);
    }
    char *cfg = read_model_config(f);
    json_error_t je;
    json_t *root = json_loads(cfg, 0, &je);
    free(cfg);
    if (!root) {
        char m[300];
        snprintf(m, sizeof m, "model_config is not valid JSON (line %d: %s)", je.line, je.text);
        bad(NULL, "%s", m);
    }
    const char *cls = json_str(root, "class_name", "");
    if (strcmp(cls, "Sequential")) bad(NULL, "model class '%s' is unsupported (only Sequential)", cls);
    json_t *layers = json_object_get(root, "config");
    if (json_is_object(layers)) layers = json_object_get(layers, "layers");
    if (!json_is_array(layers) || json_array_size(layers) == 0) bad(NULL, "model_config has no layer list%s", "");

    /* Input shape from the first layer (or an InputLayer): batch_input_shape
     * (Keras 2), batch_shape (later exports), or the Sequential's
     * build_input_shape. */
    json_t *c0 = json_object_get(json_array_get(layers, 0), "config");
    json_t *shape = json_object_get(c0, "batch_input_shape");
    if (!shape) shape = json_object_get(c0, "batch_shape");
    if (!shape) shape = json_object_get(json_object_get(root, "config"), "build_input_shape");
    if (!json_is_array(shape) || json_array_size(shape) != 3 ||
        !json_is_integer(json_array_get(shape, 1)) || !json_is_integer(json_array_get(shape, 2)))
        bad(NULL, "first layer has no batch_input_shape [null, length, channels]%s", "");
    const char *first = json_str(c0, "name", "input");
    size_t len = (size_t)size_value(json_array_get(shape, 1), "input length", first);
    size_t ch = (size_t)size_value(json_array_get(shape, 2), "input channels", first);
    csro_net *n;
    int rc = csro_net_new(&n, len, ch);
    if (rc) tool_fail(rc);

    size_t i;
    json_t *L;
    json_array_foreach(layers, i, L) {
        const char *kind = json_str(L, "class_name", "?");
        json_t *c = json_object_get(L, "config");
        const char *name = json_str(c, "name", kind);
        if (!json_is_object(c)) bad(name, "layer has no config%s", "");
        size_t li_len, li_ch;
        if (csro_net_nlayers(n) == 0) { li_len = len; li_ch = ch; }
        else csro_net_layer_shape(n, csro_net_nlayers(n) - 1, &li_len, &li_ch);
        if (!strcmp(kind, "InputLayer")) continue;
        if (!strcmp(kind, "Conv1D")) {
            long filters = json_size(c, "filters", name), ks = json_size(c, "kernel_size", name);
            long st = json_int1(c, "strides"), dil = json_int1(c, "dilation_rate");
            const char *pad = json_str(c, "padding", "valid");
            check_channels_last(c, name);
            if (filters <= 0 || ks <= 0) bad(name, "Conv1D without valid filters/kernel_size%s", "");
            if (st != 1 && st != -1) bad(name, "Conv1D strides other than 1 are unsupported%s", "");
            if (dil != 1 && dil != -1) bad(name, "Conv1D dilation_rate other than 1 is unsupported%s", "");
            int p = !strcmp(pad, "valid") ? CSRO_PAD_VALID : !strcmp(pad, "same") ? CSRO_PAD_SAME : -1;
            if (p < 0) bad(name, "Conv1D padding '%s' is unsupported (valid, same)", pad);
            layer_ok(csro_net_add_conv1d(n, (size_t)filters, (size_t)ks, p), name);
            hsize_t kd[3] = { (hsize_t)ks, li_ch, (hsize_t)filters };
            load_layer(f, n, csro_net_nlayers(n) - 1, name, 3, kd, json_is_false(json_object_get(c, "use_bias")) ? 0 : 1);
            add_activation(n, name, json_str(c, "activation", "linear"));
        } else if (!strcmp(kind, "Dense")) {
            long units = json_size(c, "units", name);
            if (units <= 0) bad(name, "Dense without valid units%s", "");
            if (li_len != 1) bad(name, "Dense on a %s input (add Flatten first) is unsupported", "non-flat");
            layer_ok(csro_net_add_dense(n, (size_t)units), name);
            hsize_t kd[2] = { li_ch, (hsize_t)units };
            load_layer(f, n, csro_net_nlayers(n) - 1, name, 2, kd, json_is_false(json_object_get(c, "use_bias")) ? 0 : 1);
            add_activation(n, name, json_str(c, "activation", "linear"));
        } else if (!strcmp(kind, "Dropout")) {
            json_t *r = json_object_get(c, "rate");
            layer_ok(csro_net_add_dropout(n, json_is_number(r) ? json_number_value(r) : 0.5), name);
        } else if (!strcmp(kind, "MaxPooling1D")) {
            long pool = json_size(c, "pool_size", name), st = json_int1(c, "strides");
            const char *pad = json_str(c, "padding", "valid");
            check_channels_last(c, name);
            if (pool <= 0) bad(name, "MaxPooling1D without a valid pool_size%s", "");
            if (st != -1 && st != pool) bad(name, "MaxPooling1D strides different from pool_size are unsupported%s", "");
            if (strcmp(pad, "valid")) bad(name, "MaxPooling1D padding '%s' is unsupported (valid)", pad);
            layer_ok(csro_net_add_maxpool1d(n, (size_t)pool), name);
        } else if (!strcmp(kind, "Flatten")) {
            check_channels_last(c, name);
            layer_ok(csro_net_add_flatten(n), name);
        } else if (!strcmp(kind, "Activation")) {
            add_activation(n, name, json_str(c, "activation", "?"));
        } else if (!strcmp(kind, "ReLU")) {
            json_t *mv = json_object_get(c, "max_value");
            json_t *ns = json_object_get(c, "negative_slope");
            json_t *th = json_object_get(c, "threshold");
            if ((mv && !json_is_null(mv)) || (ns && json_number_value(ns) != 0) || (th && json_number_value(th) != 0))
                bad(name, "ReLU with max_value/negative_slope/threshold is unsupported%s", "");
            if ((rc = csro_net_add_relu(n))) tool_fail(rc);
        } else if (!strcmp(kind, "Softmax")) {
            if ((rc = csro_net_add_softmax(n))) tool_fail(rc);
        } else {
            bad(name, "layer type '%s' is unsupported (Conv1D, Dense, Dropout, MaxPooling1D, Flatten, Activation, ReLU, Softmax)", kind);
        }
    }
    json_decref(root);
    H5Fclose(f);
    memory_uncap();
    return n;
}

static void usage(void)
{
    printf("Usage: csro-net-import MODEL.h5... -o OUT.csronet [options]\n"
           "Convert Keras 2 HDF5 Sequential 1D-CNN models (e.g. the published ML-APT\n"
           "ensemble) into one .csronet ensemble whose output is the mean of the\n"
           "members' softmax outputs.\n\n"
           "  -o, --output FILE     output .csronet ('-' = stdout)\n"
           "      --classes A,B     class names (default FCC,CSRO for 2 classes)\n"
           "  -p, --pair A-B        species pair of the input contract (required: a model\n"
           "                        never classifies another pair)\n"
           "      --preprocess S    preprocessing the model expects: minmax (default),\n"
           "                        experimental or raw (imported min-max models get\n"
           "                        experimental preprocessing of measured profiles by\n"
           "                        default in csro-classify, as the reference does)\n"
           "      --radius R        z-SDM radius of the contract in nm (default 1.5)\n"
           "      --bin-width W     bin width in nm (default 0.015)\n"
           "      --crop LO,HI      kept bin left edges in nm (default -0.7,0.7)\n"
           "  -q, --quiet           no messages\n"
           "  -h, --help            this help\n"
           "  -V, --version         version\n");
}

typedef struct {
    const char *out, *classes;
    int state, have_pair;
    char pa[TOOL_SPECIES_MAX], pb[TOOL_SPECIES_MAX];
    double radius, width, crop[2];
} args;

static void parse_args(int argc, char **argv, args *A)
{
    static const struct option lo[] = {
        { "output", required_argument, 0, 'o' }, { "classes", required_argument, 0, 'c' },
        { "pair", required_argument, 0, 'p' }, { "preprocess", required_argument, 0, 'P' },
        { "radius", required_argument, 0, 'r' }, { "bin-width", required_argument, 0, 'w' },
        { "crop", required_argument, 0, 'C' }, { 0, 0, 0, 0 } };
    *A = (args){ .state = CSRO_PRE_MINMAX, .radius = 1.5, .width = 0.015, .crop = { -0.7, 0.7 } };
    int c;
    while ((c = tool_getopt(argc, argv, "o:p:", lo)) != -1) {
        switch (c) {
        case 'o': A->out = optarg; break;
        case 'c': A->classes = optarg; break;
        case 'p': tool_pair("--pair", optarg, 0, A->pa, A->pb); A->have_pair = 1; break;
        case 'P': A->state = tool_preprocess("--preprocess", optarg); break;
        case 'r': A->radius = tool_double("--radius", optarg); break;
        case 'w': A->width = tool_double("--bin-width", optarg); break;
        case 'C': tool_doubles("--crop", optarg, A->crop, 2); break;
        }
    }
    if (optind >= argc) tool_usage_error("no input model (MODEL.h5...)");
    if (!A->out) tool_usage_error("no output (-o FILE.csronet)");
    if (!A->have_pair)
        tool_usage_error("no species pair (--pair A-B, e.g. --pair Ni-Ni for the published ensemble): "
                         "a model without one could classify another pair in silence");
    tool_refuse_tty(A->out);
    tool_out_ext("-o", A->out, "csronet", "a .csronet model");
    for (int i = optind; i < argc; i++) tool_input_as(argv[i], TOOL_IN_KERAS);
}

/* Input contract: bins of the SDM options, pair, preprocessing. */
static csro_zsdm_meta *contract(const args *A, size_t *nbins)
{
    csro_sdm_opts *so = csro_sdm_opts_new();
    if (!so) tool_die(TOOL_EDATA, "out of memory");
    int rc;
    if ((rc = csro_sdm_opts_set_bins(so, A->radius, A->width)) ||
        (rc = csro_sdm_opts_set_crop(so, A->crop[0], A->crop[1])))
        tool_fail(rc);
    csro_zsdm_meta *m = csro_zsdm_meta_new(CSRO_ZSDM_BANK);
    if (!m) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_zsdm_meta_set_sdm(m, so)) || (rc = csro_zsdm_meta_set_preprocess(m, A->state)) ||
        (rc = csro_zsdm_meta_set_pair(m, A->pa, A->pb)))
        tool_fail(rc);
    *nbins = csro_sdm_opts_nbins(so);
    csro_sdm_opts_free(so);
    return m;
}

static csro_ensemble *import_all(char **files, int nfiles, size_t nbins, char **kv)
{
    csro_ensemble *e = NULL;
    int rc;
    for (int i = 0; i < nfiles; i++) {
        csro_net *n = import_one(files[i], kv);
        if (csro_net_input_size(n) != nbins)
            tool_die(TOOL_EDATA, "%s: model input has %zu values but the contract has %zu bins "
                     "(set --radius/--bin-width/--crop)", files[i], csro_net_input_size(n), nbins);
        size_t nl = csro_net_nlayers(n);
        if (!nl || csro_net_layer_type(n, nl - 1) != CSRO_LAYER_SOFTMAX)
            tool_die(TOOL_EDATA, "%s: the last layer is not a softmax (class probabilities)", files[i]);
        if (!e && (rc = csro_ensemble_new(&e, csro_net_output_size(n)))) tool_fail(rc);
        if ((rc = csro_ensemble_add(e, n))) tool_fail(rc);
        csro_net_free(n);
    }
    return e;
}

static void name_classes(csro_ensemble *e, const char *classes)
{
    size_t nc = csro_ensemble_nclasses(e);
    int rc;
    if (!classes && nc == 2) classes = "FCC,CSRO";
    if (!classes) {
        for (size_t k = 0; k < nc; k++) {
            char name[32];
            snprintf(name, sizeof name, "class%zu", k);
            if ((rc = csro_ensemble_set_class(e, k, name))) tool_fail(rc);
        }
        return;
    }
    size_t k = 0;
    for (const char *s = classes;;) {
        const char *end = strchr(s, ',');
        size_t l = end ? (size_t)(end - s) : strlen(s);
        char name[128];
        if (!l || l >= sizeof name) tool_usage_error("--classes: empty or too long class name");
        if (k >= nc) tool_usage_error("--classes: more names than the model's %zu classes", nc);
        memcpy(name, s, l);
        name[l] = 0;
        if ((rc = csro_ensemble_set_class(e, k++, name))) tool_fail(rc);
        if (!end) break;
        s = end + 1;
    }
    if (k != nc) tool_usage_error("--classes: %zu names for %zu classes", k, nc);
}

/* Provenance: the base names of the Keras files and their version. */
static void set_source(csro_ensemble *e, char **files, int nfiles, const char *kv)
{
    size_t srclen = 1;
    for (int i = 0; i < nfiles; i++) srclen += strlen(files[i]) + 1;
    char *src = calloc(srclen, 1);
    if (!src) tool_die(TOOL_EDATA, "out of memory");
    for (int i = 0; i < nfiles; i++) {
        const char *b = strrchr(files[i], '/');
        if (i) strcat(src, " ");
        strcat(src, b ? b + 1 : files[i]);
    }
    int rc;
    if ((rc = csro_ensemble_set_text(e, "source", "keras-hdf5")) ||
        (rc = csro_ensemble_set_text(e, "source_files", src)) ||
        (kv && (rc = csro_ensemble_set_text(e, "keras_version", kv))))
        tool_fail(rc);
    free(src);
}

int main(int argc, char **argv)
{
    tool_init("csro-net-import", usage);
    args A;
    parse_args(argc, argv, &A);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    size_t nbins;
    csro_zsdm_meta *m = contract(&A, &nbins);
    char *kv = NULL;
    csro_ensemble *e = import_all(argv + optind, argc - optind, nbins, &kv);
    name_classes(e, A.classes);
    int rc;
    if ((rc = csro_ensemble_set_contract(e, m))) tool_fail(rc);
    set_source(e, argv + optind, argc - optind, kv);
    if ((rc = csro_ensemble_save(e, tool_out_lib(A.out)))) tool_fail(rc);
    tool_commit();
    if (strcmp(A.out, "-"))
        tool_note("%s: %s: %zu members, %zu inputs, %zu classes\n", tool_name(), A.out,
                  csro_ensemble_size(e), nbins, csro_ensemble_nclasses(e));
    free(kv);
    csro_ensemble_free(e);
    csro_zsdm_meta_free(m);
    return 0;
}
