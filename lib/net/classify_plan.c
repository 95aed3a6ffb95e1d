/* classify_plan.c: the classify stage's decisions before any row is read
 * (csro/classify.h): options, which preprocessing the model is fed (the
 * measured-data rule), the contract check, the output metadata, and the
 * default model of a species pair. */
#include "classify_impl.h"
#include <stdlib.h>
#include <unistd.h>

csro_classify_opts *csro_classify_opts_new(void)
{
    csro_classify_opts *o = calloc(1, sizeof *o);
    if (!o) { cs_err(CSRO_ENOMEM, "classify: out of memory"); return NULL; }
    o->state = CSRO_CLASSIFY_AUTO;
    o->batch = 4096;
    return o;
}

void csro_classify_opts_free(csro_classify_opts *o)
{
    if (!o) return;
    free(o->model);
    free(o);
}

int csro_classify_opts_set_preprocess(csro_classify_opts *o, int state)
{
    if (!o) return cs_err(CSRO_EINVAL, "classify_opts_set_preprocess: NULL options");
    if (state != CSRO_CLASSIFY_AUTO && (state < CSRO_PRE_RAW || state > CSRO_PRE_EXPERIMENTAL))
        return cs_err(CSRO_EINVAL, "classify: preprocessing state %d is not raw, minmax or experimental", state);
    o->state = state;
    return 0;
}

int csro_classify_opts_set_batch(csro_classify_opts *o, size_t rows)
{
    if (!o || !rows) return cs_err(CSRO_EINVAL, "classify_opts_set_batch: need options and rows >= 1");
    o->batch = rows;
    return 0;
}

int csro_classify_opts_set_threads(csro_classify_opts *o, int threads)
{
    if (!o || threads < 0) return cs_err(CSRO_EINVAL, "classify_opts_set_threads: need options and threads >= 0");
    o->threads = threads;
    return 0;
}

int csro_classify_opts_set_model_name(csro_classify_opts *o, const char *name)
{
    if (!o) return cs_err(CSRO_EINVAL, "classify_opts_set_model_name: NULL options");
    char *d = NULL;
    if (name && !(d = strdup(name))) return cs_err(CSRO_ENOMEM, "classify: out of memory");
    free(o->model);
    o->model = d;
    return 0;
}

/* ---- the preprocessing decision ----------------------------------------- */

/* State the model asks for on measured profiles, or -1 when it asks for
 * nothing special (csro-classify(1), "Measured data"). */
static int measured_state(const csro_ensemble *e)
{
    const char *v = csro_zsdm_meta_text(e->contract, CS_MEASURED_KEY);
    if (v) {
        int s = csro_preprocess_state_parse(v);
        cs_err_clear();
        return s < 0 ? -1 : s;
    }
    const char *src = csro_ensemble_text(e, "source");
    return src && !strcmp(src, "keras-hdf5") ? CSRO_PRE_EXPERIMENTAL : -1;
}

/* Can the model (expecting want) be fed profiles in state s? */
static int feeds(int s, int want) { return s == want || (s == CSRO_PRE_EXPERIMENTAL && want == CSRO_PRE_MINMAX); }

/* Can profiles in state from be brought to state to? */
static int reaches(int from, int to)
{
    return from == to || (from == CSRO_PRE_RAW && to != CSRO_PRE_RAW) ||
           (from == CSRO_PRE_MINMAX && to == CSRO_PRE_EXPERIMENTAL);
}

static const char *rule_name(int r)
{
    static const char *const n[] = { "model", "input", "measured", "request" };
    return n[r];
}

static int plan_state(csro_classifier *c, const csro_zsdm_meta *in, int asked)
{
    const char *mn = c->model;
    int have = c->have, want = c->want;
    if (asked != CSRO_CLASSIFY_AUTO) {
        if (!feeds(asked, want))
            return cs_err(CSRO_EMISMATCH, "preprocessing %s does not give the %s input model %s expects",
                          csro_preprocess_state_name(asked), csro_preprocess_state_name(want), mn);
        c->target = asked;
        c->rule = CS_RULE_REQUEST;
    } else if (have == CSRO_PRE_EXPERIMENTAL && want == CSRO_PRE_MINMAX) {
        c->target = have;
        c->rule = CS_RULE_INPUT;
    } else {
        int m = measured_state(c->e);
        int measured = csro_zsdm_meta_kind(in) == CSRO_ZSDM_VOXELS &&
                       (have == CSRO_PRE_RAW || have == CSRO_PRE_MINMAX);
        if (measured && m >= 0 && m != want && feeds(m, want) && reaches(have, m)) {
            c->target = m;
            c->rule = CS_RULE_MEASURED;
        } else {
            c->target = want;
            c->rule = CS_RULE_MODEL;
        }
    }
    if (!reaches(have, c->target))
        return cs_err(CSRO_EMISMATCH, "profiles are %s-preprocessed but model %s expects %s input",
                      csro_preprocess_state_name(have), mn, csro_preprocess_state_name(c->target));
    if (c->target == CSRO_PRE_EXPERIMENTAL && have != c->target && c->nbins < 15)
        return cs_err(CSRO_EMISMATCH, "experimental preprocessing needs at least 15 bins, the profiles have %zu",
                      c->nbins);
    static const char *const why[] = {
        "the model's own state", "as the profiles already are",
        "model %s asks for it on measured (voxel) profiles; min-max or raw only on request",
        "as requested" };
    char w[400];
    snprintf(w, sizeof w, why[c->rule], mn);
    if (have == c->target)
        snprintf(c->note, sizeof c->note, "%s profiles fed to model %s as they are (%s)",
                 csro_preprocess_state_name(have), mn, w);
    else
        snprintf(c->note, sizeof c->note, "%s preprocessing applied to %s profiles (%s)",
                 csro_preprocess_state_name(c->target), csro_preprocess_state_name(have), w);
    return 0;
}

/* The contract check of the data as the model sees them. */
static int check_contract(const csro_classifier *c, const csro_zsdm_meta *in)
{
    const csro_zsdm_meta *ct = c->e->contract;
    if (!csro_zsdm_meta_pair(ct, 0) && csro_zsdm_meta_pair(in, 0))
        return cs_err(CSRO_EMISMATCH, "model %s names no species pair, so it cannot check that these %s-%s "
                      "profiles are the pair it was made for; give the model its pair (csro-net-import --pair A-B)",
                      c->model, csro_zsdm_meta_pair(in, 0), csro_zsdm_meta_pair(in, 1));
    csro_zsdm_meta *seen = csro_zsdm_meta_clone(in);
    if (!seen) return cs_err(CSRO_ENOMEM, "classify: out of memory");
    int rc = csro_zsdm_meta_set_preprocess(seen, c->want);
    if (!rc) rc = csro_ensemble_check_input(c->e, seen);
    csro_zsdm_meta_free(seen);
    if (rc) {
        char why[600];
        snprintf(why, sizeof why, "%s", csro_last_error());
        return cs_err(rc, "does not fit model %s: %s", c->model, why);
    }
    return 0;
}

/* ---- output metadata ------------------------------------------------------ */

static int same_classes(const csro_zsdm_meta *m, const csro_ensemble *e)
{
    size_t nc = csro_ensemble_nclasses(e);
    if (csro_zsdm_meta_nclasses(m) != nc) return 0;
    for (size_t k = 0; k < nc; k++)
        if (strcmp(csro_zsdm_meta_class(m, k), csro_ensemble_class(e, k))) return 0;
    return 1;
}

/* The input's metadata without its class list (a labelled bank's). */
static csro_zsdm_meta *without_classes(const csro_zsdm_meta *in)
{
    csro_zsdm_meta *m = csro_zsdm_meta_new(csro_zsdm_meta_kind(in));
    if (!m) return NULL;
    int rc = 0;
    csro_sdm_opts *so = csro_zsdm_meta_sdm_opts(in);
    if (so) rc = csro_zsdm_meta_set_sdm(m, so);
    csro_sdm_opts_free(so);
    if (!rc && csro_zsdm_meta_pair(in, 0) && csro_zsdm_meta_pair(in, 1))
        rc = csro_zsdm_meta_set_pair(m, csro_zsdm_meta_pair(in, 0), csro_zsdm_meta_pair(in, 1));
    if (!rc && csro_zsdm_meta_grid(in)) rc = csro_zsdm_meta_set_grid(m, csro_zsdm_meta_grid(in));
    for (size_t i = 0; i < csro_zsdm_meta_nparams(in) && rc >= 0; i++)
        rc = csro_zsdm_meta_add_param(m, csro_zsdm_meta_param(in, i));
    for (size_t i = 0; i < csro_zsdm_meta_ntexts(in) && rc >= 0; i++) {
        const char *k = csro_zsdm_meta_text_key(in, i);
        rc = csro_zsdm_meta_set_text(m, k, csro_zsdm_meta_text(in, k));
    }
    if (rc < 0) { csro_zsdm_meta_free(m); return NULL; }
    return m;
}

static int output_meta(csro_classifier *c, const csro_zsdm_meta *in)
{
    const csro_ensemble *e = c->e;
    int keep = csro_zsdm_meta_nclasses(in) == 0 || same_classes(in, e);
    csro_zsdm_meta *m = keep ? csro_zsdm_meta_clone(in) : without_classes(in);
    if (!m) return cs_err(CSRO_ENOMEM, "classify: out of memory (output metadata)");
    c->out = m;
    int rc = csro_zsdm_meta_set_preprocess(m, c->target);
    if (csro_zsdm_meta_nclasses(m) == 0)
        for (size_t k = 0; k < csro_ensemble_nclasses(e) && rc >= 0; k++)
            rc = csro_zsdm_meta_add_class(m, csro_ensemble_class(e, k));
    if (rc >= 0 && c->named) rc = csro_zsdm_meta_set_text(m, "classify_model", c->model);
    if (rc >= 0) rc = csro_zsdm_meta_set_text(m, "classify_preprocess", csro_preprocess_state_name(c->target));
    if (rc >= 0) rc = csro_zsdm_meta_set_text(m, "classify_preprocess_from", csro_preprocess_state_name(c->have));
    if (rc >= 0) rc = csro_zsdm_meta_set_text(m, "classify_preprocess_rule", rule_name(c->rule));
    for (size_t i = 0; i < e->ntext && rc >= 0; i++)
        if (!strncmp(e->keys[i], "map.", 4)) rc = csro_zsdm_meta_set_text(m, e->keys[i], e->vals[i]);
    return rc < 0 ? rc : 0;
}

/* ---- the classifier ------------------------------------------------------- */

int csro_classify_new(csro_classifier **out, const csro_ensemble *e, const csro_zsdm_meta *input,
                      const csro_classify_opts *opts)
{
    if (out) *out = NULL;
    if (!out || !e || !input) return cs_err(CSRO_EINVAL, "classify_new: NULL argument");
    csro_classify_opts dflt = { .state = CSRO_CLASSIFY_AUTO, .batch = 4096 };
    const csro_classify_opts *o = opts ? opts : &dflt;
    csro_classifier *c = calloc(1, sizeof *c);
    if (!c) return cs_err(CSRO_ENOMEM, "classify: out of memory");
    c->e = e;
    c->named = o->model != NULL;
    snprintf(c->model, sizeof c->model, "%s", o->model ? o->model : "(unnamed)");
    c->batch = o->batch;
    c->threads = o->threads;
    c->nbins = csro_zsdm_meta_nbins(input);
    c->nc = csro_ensemble_nclasses(e);
    c->have = csro_zsdm_meta_preprocess(input);
    int rc;
    if (!e->contract || !e->n)
        rc = cs_err(CSRO_EINVAL, "model %s has %s", c->model,
                    e->n ? "no input contract (bins, species pair, preprocessing)" : "no members");
    else {
        c->want = csro_zsdm_meta_preprocess(e->contract);
        rc = plan_state(c, input, o->state);
        if (!rc) rc = check_contract(c, input);
        if (!rc) rc = output_meta(c, input);
    }
    if (rc) { csro_classify_free(c); return rc; }
    *out = c;
    return 0;
}

void csro_classify_free(csro_classifier *c)
{
    if (!c) return;
    csro_zsdm_meta_free(c->out);
    free(c->xg);
    free(c->gm);
    free(c->gs);
    free(c->ftmp);
    free(c);
}

const csro_zsdm_meta *csro_classify_output_meta(const csro_classifier *c) { return c ? c->out : NULL; }
int csro_classify_input_state(const csro_classifier *c) { return c ? c->have : CSRO_EINVAL; }
int csro_classify_state(const csro_classifier *c) { return c ? c->target : CSRO_EINVAL; }
const char *csro_classify_note(const csro_classifier *c) { return c ? c->note : ""; }
uint64_t csro_classify_nrows(const csro_classifier *c) { return c ? c->rows : 0; }
uint64_t csro_classify_nnodata(const csro_classifier *c) { return c ? c->nodata : 0; }

/* ---- default models ------------------------------------------------------- */

int csro_classify_default_model(char *buf, size_t len, const char *a, const char *b, const char *dir)
{
    if (!buf || !len || !a || !b || !*a || !*b) return cs_err(CSRO_EINVAL, "classify_default_model: bad argument");
    buf[0] = 0;
    const char *where = dir ? dir : getenv("CSRO_MODEL_DIR");
#ifdef CSRO_MODEL_DIR
    if (!where || !*where) where = CSRO_MODEL_DIR;
#endif
    if (!where || !*where)
        return cs_err(CSRO_ENOTFOUND, "no default model for the pair %s-%s: no model directory "
                      "(set CSRO_MODEL_DIR or give a model)", a, b);
    int n = snprintf(buf, len, "%s/%s-%s.csronet", where, a, b);
    if (n < 0 || (size_t)n >= len) { buf[0] = 0; return cs_err(CSRO_EINVAL, "classify_default_model: buffer too small"); }
    if (access(buf, R_OK) != 0) {
        int rc = cs_err(CSRO_ENOTFOUND, "no default model for the pair %s-%s (%s not found); give a model",
                        a, b, buf);
        buf[0] = 0;
        return rc;
    }
    return 0;
}
