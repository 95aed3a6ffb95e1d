/* sim_impl.h: private layout of the CSRO pattern simulator (csro/sim.h). */
#ifndef CSRO_SIM_IMPL_H
#define CSRO_SIM_IMPL_H

#include "base/internal.h"

#define CS_SIM_MAXSP 32   /* species per class */
#define CS_SIM_NAMELEN 16
#define CS_SIM_NPARAMS 11

typedef struct {
    size_t n;
    double *v;      /* sweep values */
    double lo, hi;  /* random range */
} cs_sim_axis;

/* Sites of a lattice: positions (nm), sublattice id (generated lattices:
 * FCC 0 = corner, 1 = face; BCC 0/2 = corners of the two FCC sublattices
 * of the 2a cell, 1 = body centre; files -1) and file type code. */
typedef struct {
    size_t n;
    double *x, *y, *z;
    int *sub;
    long *type;
} cs_sim_sites;

struct csro_sim_opts {
    int kind;               /* CSRO_SIM_FCC / BCC / FILE */
    double a, size;
    cs_sim_sites file;      /* loaded lattice file (kind FILE) */
    char *file_path;
    size_t ntypes;          /* type code names */
    long type_code[CS_SIM_MAXSP];
    char type_name[CS_SIM_MAXSP][CS_SIM_NAMELEN];
    size_t ncomp;           /* composition */
    char comp_name[CS_SIM_MAXSP][CS_SIM_NAMELEN];
    double comp_w[CS_SIM_MAXSP];
    int model;
    char x[CS_SIM_NAMELEN];
    double S;
    int cut;                /* CSRO_SIM_CUT_*: ordered part of the crystal only */
    double cut_lo, cut_hi;  /* ordered site fraction drawn uniformly in [lo, hi] */
    double pole[3], tilt;
    cs_sim_axis ax[3];
    size_t nrandom, repeats;
    char pair[2][CS_SIM_NAMELEN];
    csro_sdm_opts *sdm;
    uint64_t seed, stream_base;
    int threads;
};

/* Prepared class: sites, species table, ordered template, rotation and
 * the first-shell neighbour list (shared read-only by worker threads). */
typedef struct {
    cs_sim_sites s;
    size_t nsp;
    char sp[CS_SIM_MAXSP][CS_SIM_NAMELEN];
    int32_t *templ;       /* ordered (or composition-count) species per site */
    int shuffle_all;      /* random occupancy: permute everything */
    size_t *oth, noth;    /* sites of the other (non-X) sublattice */
    double rot[3][3];     /* pole onto +z */
    size_t nnb;           /* neighbour pairs (i < j) */
    uint32_t *nb;         /* 2*nnb */
    int pa, pb;           /* pair species indices */
} cs_sim_ctx;

struct csro_sim_crystal {
    size_t n, nsp;
    float *x, *y, *z;
    int32_t *sp;
    char names[CS_SIM_MAXSP][CS_SIM_NAMELEN];
    double params[CS_SIM_NPARAMS];
    double ordered_fraction; /* sites kept ordered by a cut (0 random, 1 uncut) */
    size_t nnb;
    uint32_t *nb;         /* copy of the neighbour list (ideal sites) */
    int ideal_order;      /* 1 if atoms are still the ideal sites in order */
};

/* patterns_lattice.c */
int cs_sim_lattice_gen(cs_sim_sites *s, int kind, double a, double size);
int cs_sim_lattice_load(cs_sim_sites *s, const char *path);
void cs_sim_sites_free(cs_sim_sites *s);
int cs_sim_sites_copy(cs_sim_sites *d, const cs_sim_sites *s);
/* Neighbour pairs closer than 1.1 x the smallest distance. */
int cs_sim_neighbours(const cs_sim_sites *s, uint32_t **nb, size_t *nnb);

/* patterns_order.c */
int cs_sim_species_index(const cs_sim_ctx *c, const char *name);
int cs_sim_template(cs_sim_ctx *c, const csro_sim_opts *o);
/* Occupy: species per site from the template and S (rng). */
void cs_sim_occupy(const cs_sim_ctx *c, double S, cs_rng *r, int32_t *sp, size_t *scratch);
/* Domain surface through the crystal: the round(f n) sites on the positive
 * side of a random plane (shape CSRO_SIM_CUT_PLANE; geom = {u, d}, kept
 * when u.x > d) or inside a random sphere (CSRO_SIM_CUT_SPHERE; geom =
 * {centre, R}, kept when |x - c| < R) keep their species in sp; the others
 * get a random permutation of theirs (a random solid solution). ordered
 * (n bytes, may be NULL) marks the kept sites. Returns the number kept,
 * (size_t)-1 when out of memory. */
size_t cs_sim_cut(const cs_sim_sites *s, int shape, double f, cs_rng *r, int32_t *sp, uint8_t *ordered,
                  double geom[4]);
double cs_sim_alpha1(const uint32_t *nb, size_t nnb, const int32_t *sp, size_t n, int a, int b);
int cs_sim_is_element(const char *s);

/* patterns_orient.c */
int cs_sim_pole_matrix(const double pole[3], double m[3][3]);
/* Random tilt: theta with cos uniform in [cos max, 1], azimuth phi. */
void cs_sim_tilt_matrix(double max_deg, cs_rng *r, double m[3][3], double *theta_deg, double *phi_deg);
void cs_sim_matmul(const double a[3][3], const double b[3][3], double out[3][3]);

/* patterns_bank.c */
int cs_sim_ctx_init(cs_sim_ctx *c, const csro_sim_opts *o);
void cs_sim_ctx_free(cs_sim_ctx *c);

#endif
