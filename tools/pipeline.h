/* tools/pipeline.h: the default flow in memory on a simulated specimen
 * (apt-simulate -> apt-voxelize -> csro-classify) for csro-calibrate and
 * csro-limits. Not installed. */
#ifndef CSRO_TOOLS_PIPELINE_H
#define CSRO_TOOLS_PIPELINE_H

#include "csro.h"

typedef struct {
    double box;            /* cube edge (nm) */
    double sxy, sz, eff;   /* detection */
    double dmin, dmax;     /* domain diameters (nm) */
    double frac;           /* domain volume fraction (0: random matrix) */
    double order;          /* order parameter S inside domains (1 = ideal) */
    uint64_t seed;
    int random_labels;     /* shuffle the mass labels (random-label control) */
} pipe_spec;

typedef struct {
    csro_grid *g;
    float *mean, *std;     /* per voxel, the CSRO class; NaN = no data */
    csro_recon *rec;
    uint8_t *truth;        /* per ion */
    double seconds;        /* wall time of simulate + voxelize + classify */
} pipe_out;

/* The model's CSRO class: map.class text, else a class named CSRO, else the
 * last class. */
size_t pipe_csro_class(const csro_ensemble *e);
/* Run the flow on one specimen (exits with a message on failure). */
void pipe_run(const csro_ensemble *e, const pipe_spec *s, int threads, pipe_out *o);
void pipe_free(pipe_out *o);
/* Map mode of the context stage (beside CSRO_PROBMAP_SUM / _MEAN). */
enum { PIPE_CONTEXT = 2 };
/* The map the rule (mode, smoothing) gives from the voxel field; mode
 * PIPE_CONTEXT runs the context stage cx. */
csro_probmap *pipe_map(const pipe_out *o, int mode, double smooth, const csro_context *cx);
/* Sub-cell truth of the map (csro_probmap_subcell_truth); malloc'ed. */
int8_t *pipe_truth(const pipe_out *o, const csro_probmap *m);

/* "a,b,c" (pairs = 0) or "a:b,c:d" (pairs = 1, into v[2i], v[2i+1]) into
 * at most max entries; exits 2 on bad input. Returns the count. */
size_t pipe_parse_list(const char *opt, const char *s, double *v, size_t max, int pairs);
/* The map rule a model carries: mode, threshold, smoothing and the context
 * stage (*cx, NULL unless mode is PIPE_CONTEXT; csro_context_free); 0 if
 * it has none (then sum, 3.75, 0). */
int pipe_model_rule(const csro_ensemble *e, int *mode, double *thr, double *smooth, csro_context **cx);
/* The threshold the model's rule gives on map m: thr (the map.threshold
 * text), or with map.threshold_rule expected-f1 the map's own expected-F1
 * threshold with thr as the floor (csro_probmap_threshold_f1). */
double pipe_threshold(const csro_ensemble *e, const csro_probmap *m, double thr);
/* The context stage a model carries (map.context), NULL if none. */
csro_context *pipe_model_context(const csro_ensemble *e);

#endif
