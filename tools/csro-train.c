/* csro-train: train the ML-APT 1D-CNN ensemble on a labelled .zsdm bank
 * (k-fold cross-validation, held-out test) and write a .csronet model. */
#include "common.h"
#include "provenance.h"
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static void usage(void)
{
    printf("Usage: csro-train [OPTIONS] BANK.zsdm|- -o MODEL.csronet\n"
           "Train the ML-APT network (Conv1D 16x10, ReLU, Dropout 0.5, MaxPool 2, Dense 256,\n"
           "Dense softmax) on a labelled pattern bank with k-fold cross-validation; the k\n"
           "models form the ensemble written to MODEL. A held-out part of the bank tests\n"
           "the ensemble; its confusion matrix and precision/recall/F1 go to stdout.\n"
           "Raw banks are min-max normalised per profile first.\n\n"
           "  -o, --output FILE  output model (.csronet), required\n"
           "      --epochs N     epochs per fold (default 30)\n"
           "      --folds K      cross-validation folds = ensemble size (default 5)\n"
           "      --batch N      mini-batch size (default 32)\n"
           "      --lr X         Adam learning rate (default 0.001)\n"
           "      --holdout F    fraction held out for the final test (default 0.1)\n"
           "      --no-augment   do not add the shifted copy of each training pattern\n"
           "      --seed S       random seed (default 1); same seed, same model bits\n"
           "      --log FILE     per-fold, per-epoch loss and accuracy (TSV)\n"
           "  -j, --threads N    folds trained in parallel (0 = all cores, default)\n"
           "  -q, --quiet        no progress, no report\n"
           "  -h, --help, -V, --version\n"
           "The report goes to stderr when the model (-o -) or the log goes to stdout.\n\n"
           "Exit 0 ok, 1 bad data or I/O, 2 usage.\n");
}

typedef struct { float *x; int32_t *y; size_t n, cap, nbins; } bank;

static int read_bank(const char *path, bank *b, csro_zsdm_meta **meta, uLong *crc)
{
    csro_zsdm_reader *r;
    int rc = csro_zsdm_reader_open(&r, path);
    if (rc) return rc;
    const csro_zsdm_meta *m = csro_zsdm_reader_meta(r);
    if (csro_zsdm_meta_kind(m) != CSRO_ZSDM_BANK)
        tool_die(1, "%s is a voxel z-SDM file (apt-voxelize output); csro-train wants a labelled .zsdm bank from "
                 "csro-simulate", path);
    size_t nb = csro_zsdm_meta_nbins(m), nc = csro_zsdm_meta_nclasses(m);
    if (nc < 2) tool_die(1, "%s: a bank needs at least 2 classes (has %zu)", path, nc);
    b->nbins = nb;
    *crc = crc32(0L, Z_NULL, 0);
    size_t chunk = 4096, skipped = 0;
    float *px = malloc(chunk * nb * sizeof *px);
    int32_t *py = malloc(chunk * sizeof *py);
    uint32_t *pf = malloc(chunk * sizeof *pf);
    if (!px || !py || !pf) tool_die(1, "out of memory");
    for (;;) {
        size_t got;
        if ((rc = csro_zsdm_reader_read(r, chunk, px, NULL, py, pf, NULL, &got))) break;
        if (!got) break;
        *crc = crc32(*crc, (const Bytef *)py, (uInt)(got * sizeof *py));
        *crc = crc32(*crc, (const Bytef *)px, (uInt)(got * nb * sizeof *px));
        for (size_t i = 0; i < got; i++) {
            if (pf[i] & CSRO_ROW_NODATA) { skipped++; continue; }
            if (py[i] < 0 || (size_t)py[i] >= nc)
                tool_die(1, "%s: pattern %zu has label %d, not one of the %zu classes", path, b->n + skipped, (int)py[i], nc);
            if (b->n == b->cap) {
                b->cap = b->cap ? 2 * b->cap : 8192;
                b->x = realloc(b->x, b->cap * nb * sizeof *b->x);
                b->y = realloc(b->y, b->cap * sizeof *b->y);
                if (!b->x || !b->y) tool_die(1, "out of memory");
            }
            memcpy(b->x + b->n * nb, px + i * nb, nb * sizeof *px);
            b->y[b->n++] = py[i];
        }
    }
    free(px); free(py); free(pf);
    if (!rc && !(*meta = csro_zsdm_meta_clone(m))) rc = CSRO_ENOMEM;
    csro_zsdm_reader_close(r);
    if (!rc && skipped && !tool_quiet()) fprintf(stderr, "%s: %s: skipped %zu patterns flagged no-data\n", tool_name(), path, skipped);
    return rc;
}

typedef struct {
    const char *out, *logp, *in;
    long epochs, folds, batch, threads;
    double lr, holdout;
    int augment;
    uint64_t seed;
} args;

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_EPOCHS = 256, O_FOLDS, O_BATCH, O_LR, O_HOLDOUT, O_NOAUG, O_SEED, O_LOG };
    static const struct option lo[] = {
        {"epochs", 1, 0, O_EPOCHS}, {"folds", 1, 0, O_FOLDS}, {"batch", 1, 0, O_BATCH}, {"lr", 1, 0, O_LR},
        {"holdout", 1, 0, O_HOLDOUT}, {"no-augment", 0, 0, O_NOAUG}, {"seed", 1, 0, O_SEED}, {"log", 1, 0, O_LOG},
        {"threads", 1, 0, 'j'}, {"output", 1, 0, 'o'}, {0, 0, 0, 0}};
    *A = (args){ .epochs = 30, .folds = 5, .batch = 32, .lr = 1e-3, .holdout = 0.1, .augment = 1, .seed = 1 };
    int c;
    while ((c = tool_getopt(argc, argv, "o:j:", lo)) != -1) {
        switch (c) {
        case 'o': A->out = optarg; break;
        case O_EPOCHS: A->epochs = tool_long("--epochs", optarg, 1, 100000); break;
        case O_FOLDS: A->folds = tool_long("--folds", optarg, 2, 1000); break;
        case O_BATCH: A->batch = tool_long("--batch", optarg, 1, 1 << 20); break;
        case O_LR: A->lr = tool_double("--lr", optarg); break;
        case O_HOLDOUT: A->holdout = tool_double("--holdout", optarg); break;
        case O_NOAUG: A->augment = 0; break;
        case O_SEED: A->seed = tool_u64("--seed", optarg); break;
        case O_LOG: A->logp = optarg; break;
        case 'j': A->threads = tool_long("--threads", optarg, 0, 4096); break;
        }
    }
    if (optind != argc - 1) tool_usage_error("expected one input bank");
    if (!A->out) tool_usage_error("-o MODEL.csronet is required");
    if (!(A->lr > 0)) tool_usage_error("--lr: %g must be > 0", A->lr);
    if (!(A->holdout >= 0 && A->holdout < 0.9)) tool_usage_error("--holdout: %g must be in [0, 0.9)", A->holdout);
    tool_refuse_tty(A->out);
    A->in = argv[optind];
    tool_out_ext("-o", A->out, "csronet", "a .csronet model");
    tool_out_ext("--log", A->logp, NULL, "a TSV table");
    tool_input_as(A->in, TOOL_IN_BANK);
}

/* The bank, min-max normalised when raw; every class must have patterns. */
static csro_zsdm_meta *load_bank(const args *A, bank *b, uLong *crc)
{
    csro_zsdm_meta *meta = NULL;
    int rc = read_bank(A->in, b, &meta, crc);
    if (rc) tool_fail(rc);
    size_t nclasses = csro_zsdm_meta_nclasses(meta);
    if (b->n < 10) tool_die(1, "%s: only %zu usable patterns", A->in, b->n);
    if (csro_zsdm_meta_preprocess(meta) == CSRO_PRE_RAW) {
        uint32_t *fl = calloc(b->n, sizeof *fl);
        if (!fl) tool_die(1, "out of memory");
        if ((rc = csro_preprocess_rows(NULL, CSRO_PRE_MINMAX, b->x, b->x, b->n, b->nbins, fl, (int)A->threads))) tool_fail(rc);
        size_t k = 0;
        for (size_t i = 0; i < b->n; i++) {
            if (fl[i] & CSRO_ROW_NODATA) continue;
            memmove(b->x + k * b->nbins, b->x + i * b->nbins, b->nbins * sizeof *b->x);
            b->y[k++] = b->y[i];
        }
        if (k < b->n) tool_note("%s: %s: dropped %zu constant profiles\n", tool_name(), A->in, b->n - k);
        b->n = k;
        free(fl);
        if ((rc = csro_zsdm_meta_set_preprocess(meta, CSRO_PRE_MINMAX))) tool_fail(rc);
    }
    size_t *count = calloc(nclasses, sizeof *count);
    if (!count) tool_die(1, "out of memory");
    for (size_t i = 0; i < b->n; i++) count[b->y[i]]++;
    for (size_t k = 0; k < nclasses; k++)
        if (!count[k]) tool_die(1, "%s: class %zu (%s) has no patterns", A->in, k, csro_zsdm_meta_class(meta, k));
    free(count);
    return meta;
}

/* The training curves (train_log: the --log TSV) and the held-out
 * confusion matrix (heldout_confusion: the report's matrix lines) as model
 * texts, so that csro-report --model shows them without the files. */
static void train_texts(const args *A, csro_ensemble *e, const csro_zsdm_meta *meta, const csro_train_report *rep)
{
    size_t nc = csro_zsdm_meta_nclasses(meta), len;
    char *text;
    FILE *fp = open_memstream(&text, &len);
    uint64_t *cm = malloc(nc * nc * sizeof *cm);
    if (!fp || !cm) tool_die(1, "out of memory");
    fprintf(fp, "fold\tepoch\ttrain_loss\ttrain_accuracy\tval_loss\tval_accuracy\n");
    for (long f = 0; f < A->folds; f++)
        for (long k = 0; k < A->epochs; k++) {
            double v[4];
            if (csro_train_report_epoch(rep, (size_t)f, (size_t)k, &v[0], &v[1], &v[2], &v[3])) tool_fail(CSRO_EINVAL);
            fprintf(fp, "%ld\t%ld\t%.6f\t%.6f\t%.6f\t%.6f\n", f, k + 1, v[0], v[1], v[2], v[3]);
        }
    if (fclose(fp)) tool_die(1, "out of memory");
    int rc = csro_ensemble_set_text(e, "train_log", text);
    free(text);
    if (!rc && !(fp = open_memstream(&text, &len))) tool_die(1, "out of memory");
    if (!rc) {
        csro_train_report_confusion(rep, cm);
        fprintf(fp, "true\\pred");
        for (size_t k = 0; k < nc; k++) fprintf(fp, "\t%s", csro_zsdm_meta_class(meta, k));
        for (size_t i = 0; i < nc; i++) {
            fprintf(fp, "\n%s", csro_zsdm_meta_class(meta, i));
            for (size_t k = 0; k < nc; k++) fprintf(fp, "\t%llu", (unsigned long long)cm[i * nc + k]);
        }
        fprintf(fp, "\naccuracy\t%.4f\n", csro_train_report_accuracy(rep));
        if (fclose(fp)) tool_die(1, "out of memory");
        rc = csro_ensemble_set_text(e, "heldout_confusion", text);
        free(text);
    }
    free(cm);
    if (rc) tool_fail(rc);
}

/* Classes, contract and provenance of the trained ensemble. */
static void describe(const args *A, csro_ensemble *e, const csro_zsdm_meta *meta, const csro_train_report *rep,
                     uLong crc, size_t npatterns)
{
    char buf[256];
    int rc = 0;
    for (size_t k = 0; k < csro_zsdm_meta_nclasses(meta) && !rc; k++) rc = csro_ensemble_set_class(e, k, csro_zsdm_meta_class(meta, k));
    if (!rc) rc = csro_ensemble_set_contract(e, meta);
    snprintf(buf, sizeof buf, "%08lx", (unsigned long)crc);
    if (!rc) rc = csro_ensemble_set_text(e, "bank_crc32", buf);
    if (!rc) rc = csro_ensemble_set_text(e, "bank", A->in);
    snprintf(buf, sizeof buf, "%zu", npatterns);
    if (!rc) rc = csro_ensemble_set_text(e, "bank_patterns", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)A->seed);
    if (!rc) rc = csro_ensemble_set_text(e, "seed", buf);
    snprintf(buf, sizeof buf, "epochs=%ld folds=%ld batch=%ld adam_lr=%g beta1=0.9 beta2=0.999 eps=1e-7 holdout=%g "
             "augment=%s loss=categorical_crossentropy", A->epochs, A->folds, A->batch, A->lr, A->holdout,
             A->augment ? "shift[-2,1]" : "none");
    if (!rc) rc = csro_ensemble_set_text(e, "training", buf);
    snprintf(buf, sizeof buf, "%.6f", csro_train_report_accuracy(rep));
    if (!rc) rc = csro_ensemble_set_text(e, "heldout_accuracy", buf);
    if (!rc) rc = csro_ensemble_set_text(e, "software", "csro-train (libcsro " CSRO_VERSION_STRING ")");
    if (rc) tool_fail(rc);
    train_texts(A, e, meta, rep);
}

/* Loss and accuracy of each epoch on stderr as it ends (csro_train calls
 * this on the main thread; folds trained in parallel interleave). */
static int print_epoch(size_t fold, size_t epoch, double tl, double ta, double vl, double va, void *user)
{
    const args *A = user;
    tool_note("%s: fold %zu/%ld epoch %zu/%ld: loss %.4f accuracy %.4f, validation loss %.4f accuracy %.4f\n",
              tool_name(), fold + 1, A->folds, epoch + 1, A->epochs, tl, ta, vl, va);
    fflush(stderr);
    return 0;
}

/* Confusion matrix and precision/recall/F1 of the held-out test. */
static void print_report(const args *A, const csro_zsdm_meta *meta, const csro_train_report *rep)
{
    size_t nclasses = csro_zsdm_meta_nclasses(meta);
    /* the report goes to stdout unless the model or the log does */
    FILE *fp = !strcmp(A->out, "-") || (A->logp && !strcmp(A->logp, "-")) ? stderr : stdout;
    uint64_t *cm = malloc(nclasses * nclasses * sizeof *cm);
    double *p = malloc(nclasses * sizeof *p), *r = malloc(nclasses * sizeof *r), *f = malloc(nclasses * sizeof *f);
    if (!cm || !p || !r || !f) tool_die(1, "out of memory");
    csro_train_report_confusion(rep, cm);
    csro_train_report_prf(rep, p, r, f);
    fprintf(fp, "# held-out test of the %ld-model ensemble (rows: true class, columns: predicted)\n", A->folds);
    fprintf(fp, "true\\pred");
    for (size_t k = 0; k < nclasses; k++) fprintf(fp, "\t%s", csro_zsdm_meta_class(meta, k));
    fprintf(fp, "\n");
    for (size_t i = 0; i < nclasses; i++) {
        fprintf(fp, "%s", csro_zsdm_meta_class(meta, i));
        for (size_t k = 0; k < nclasses; k++) fprintf(fp, "\t%llu", (unsigned long long)cm[i * nclasses + k]);
        fprintf(fp, "\n");
    }
    fprintf(fp, "class\tprecision\trecall\tf1\n");
    for (size_t k = 0; k < nclasses; k++)
        fprintf(fp, "%s\t%.4f\t%.4f\t%.4f\n", csro_zsdm_meta_class(meta, k), p[k], r[k], f[k]);
    fprintf(fp, "accuracy\t%.4f\n", csro_train_report_accuracy(rep));
    if (fflush(fp) != 0) tool_die(TOOL_EDATA, "-: write error: %s", strerror(errno));
    free(cm); free(p); free(r); free(f);
}

int main(int argc, char **argv)
{
    tool_openblas_single(argv); /* we train folds in parallel ourselves */
    tool_init("csro-train", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args A;
    parse_args(argc, argv, &A);
    /* we parallelise over folds ourselves: keep OpenBLAS single-threaded
     * (faster for batch-32 products and free of thread-count effects) */
    openblas_set_num_threads(1);

    bank b = { 0 };
    uLong crc;
    csro_zsdm_meta *meta = load_bank(&A, &b, &crc);
    size_t nclasses = csro_zsdm_meta_nclasses(meta);
    csro_net *arch;
    csro_train_opts *o = csro_train_opts_new();
    if (!o) tool_die(1, "out of memory");
    int rc;
    if ((rc = csro_net_new_default(&arch, b.nbins, nclasses)) || (rc = csro_train_opts_set_epochs(o, (int)A.epochs)) ||
        (rc = csro_train_opts_set_folds(o, (int)A.folds)) || (rc = csro_train_opts_set_batch(o, (int)A.batch)) ||
        (rc = csro_train_opts_set_adam(o, A.lr, 0.9, 0.999, 1e-7)) || (rc = csro_train_opts_set_holdout(o, A.holdout)) ||
        (rc = csro_train_opts_set_shift(o, A.augment, -2, 1)) || (rc = csro_train_opts_set_seed(o, A.seed)) ||
        (rc = csro_train_opts_set_threads(o, (int)A.threads)) ||
        (rc = csro_train_opts_set_epoch_fn(o, print_epoch, &A)))
        tool_fail(rc);
    csro_ensemble *e;
    csro_train_report *rep;
    tool_progress_label("training");
    rc = csro_train(&e, &rep, arch, b.x, b.y, b.n, nclasses, o, tool_progress, NULL);
    tool_progress_done();
    if (rc) tool_fail(rc);
    describe(&A, e, meta, rep, crc, b.n);
    if ((rc = csro_ensemble_save(e, tool_out_lib(A.out)))) tool_fail(rc);
    if (A.logp) { /* the log file (not the model, whose bytes depend on the seed alone) gets the run's record */
        const char *lp = tool_out_lib(A.logp);
        if ((rc = csro_train_report_write_log(rep, lp))) tool_fail(rc);
        prov_input(pv, "bank", A.in);
        prov_param(pv, "epochs", "%ld", (long)A.epochs);
        prov_param(pv, "folds", "%ld", (long)A.folds);
        prov_param(pv, "seed", "%llu", (unsigned long long)A.seed);
        prov_prepend(pv, lp);
    }
    prov_free(pv);
    tool_commit();
    if (!tool_quiet()) print_report(&A, meta, rep);
    csro_train_report_free(rep);
    csro_ensemble_free(e);
    csro_train_opts_free(o);
    csro_net_free(arch);
    csro_zsdm_meta_free(meta);
    free(b.x); free(b.y);
    return 0;
}
