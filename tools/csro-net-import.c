/* csro-net-import: convert Keras 2 HDF5 models (Sequential 1D CNNs such as
 * the published ML-APT ensemble) into one .csronet ensemble.
 *
 * The architecture comes from the root attribute `model_config` (JSON, read
 * with jansson), the weights from model_weights/<layer>/<layer>/kernel:0 and
 * bias:0 (read with libhdf5, converted to float32). Each Keras layer maps
 * onto csro_net_add_* calls; an activation inside Conv1D/Dense becomes a
 * separate ReLU/Softmax layer. Anything we cannot reproduce exactly is
 * refused with a message naming the layer. The reader is tools/keras.c
 * (also behind the fuzz harness tests/fuzz/fuzz_keras.c). */
#include "common.h"
#include "keras.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* One model, read with the memory cap; refusals name file and layer. */
static csro_net *import_one(const char *path, char **keras_version)
{
    char err[1024];
    csro_net *n;
    memory_cap(path);
    int rc = keras_import(&n, keras_version, path, err, sizeof err);
    memory_uncap();
    if (rc) tool_die(TOOL_EDATA, "%s", err);
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
