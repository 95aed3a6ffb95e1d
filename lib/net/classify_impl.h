/* classify_impl.h: private layout of the classify stage (classify_plan.c:
 * decisions and metadata; classify.c: rows and streaming). */
#ifndef CSRO_CLASSIFY_IMPL_H
#define CSRO_CLASSIFY_IMPL_H

#include "net_impl.h"
#include "csro/classify.h"

/* Contract text of the measured-data rule (csro-classify(1)). */
#define CS_MEASURED_KEY "measured_preprocess"

/* Why the model is fed the state it is fed. */
enum { CS_RULE_MODEL, CS_RULE_INPUT, CS_RULE_MEASURED, CS_RULE_REQUEST };

struct csro_classify_opts {
    int state;       /* CSRO_CLASSIFY_AUTO or CSRO_PRE_* */
    size_t batch;
    int threads;
    char *model;     /* NULL = unnamed */
};

struct csro_classifier {
    const csro_ensemble *e;
    char model[256];
    int named;
    int have, want, target, rule;
    size_t nbins, nc, batch;
    int threads;
    csro_zsdm_meta *out;
    char note[1024];
    uint64_t rows, nodata;
    float *xg, *gm, *gs;  /* batch scratch: compacted rows, their outputs */
    uint32_t *ftmp;       /* batch scratch: flags before preprocessing */
};

#endif
