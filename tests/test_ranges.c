/* test_ranges.c: RRNG/RNG parsing, merging, overlap rules, mass lookup and
 * species weights, on hand-written files whose content is checked by hand,
 * plus the real CoCrNi ions against a linear scan of the range windows. */
#include "testutil.h"
#include "csro.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static csro_ranges *load_ok(const char *path, const csro_ranges_opts *o)
{
    csro_ranges *r = NULL;
    int rc = csro_ranges_load(&r, path, o);
    ck_assert_msg(rc == 0, "load %s: %d %s", path, rc, csro_last_error());
    ck_assert_ptr_nonnull(r);
    return r;
}

/* Write text to a temp file and load it; returns rc, *out the handle. */
static int load_text(csro_ranges **out, const char *name, const char *text,
                     const csro_ranges_opts *o)
{
    char *p = tu_tmp(name);
    ck_assert_int_eq(tu_write(p, text, strlen(text)), 0);
    int rc = csro_ranges_load(out, p, o);
    free(p);
    return rc;
}

static int ion(const csro_ranges *r, const char *name)
{
    int i = csro_ranges_find_ion(r, name);
    ck_assert_msg(i >= 0, "ion %s missing", name);
    return i;
}

static int count(const csro_ranges *r, const char *ionname, const char *el)
{
    int e = csro_ranges_find_element(r, el);
    if (e < 0)
        return 0;
    return csro_ranges_ion_element_count(r, (size_t)ion(r, ionname), (size_t)e);
}

START_TEST(test_rrng_basic)
{
    csro_ranges *r = load_ok(tu_data("ranges_basic.rrng"), NULL);
    ck_assert_int_eq(csro_ranges_format(r), CSRO_RANGES_RRNG);
    /* ions with ranges: Cr, O, CrO, unknown (listed) + CrO2 (composition only) */
    ck_assert_uint_eq(csro_ranges_nions(r), 5);
    ck_assert_str_eq(csro_ranges_ion_name(r, 0), "Cr");
    ck_assert_str_eq(csro_ranges_ion_name(r, 4), "CrO2");
    ck_assert_uint_eq(csro_ranges_nranges(r), 6);
    ck_assert_uint_eq(csro_ranges_nelements(r), 2);
    ck_assert_str_eq(csro_ranges_element(r, 0), "Cr");
    ck_assert_str_eq(csro_ranges_element(r, 1), "O");
    ck_assert_int_eq(count(r, "CrO2", "Cr"), 1);
    ck_assert_int_eq(count(r, "CrO2", "O"), 2);
    ck_assert_int_eq(count(r, "CrO", "O"), 1);
    ck_assert_int_eq(count(r, "Cr", "O"), 0);
    ck_assert_int_eq(csro_ranges_ion_known(r, (size_t)ion(r, "unknown")), 0);
    ck_assert_int_eq(count(r, "unknown", "Cr"), 0);
    ck_assert_int_eq(csro_ranges_ion_known(r, (size_t)ion(r, "CrO")), 1);
    /* range 2 (line "range2 = 15.9000  16.1000<TAB>...") */
    double lo, hi;
    size_t k;
    ck_assert_int_eq(csro_ranges_range(r, 1, &lo, &hi, &k), 0);
    ck_assert(lo == 15.9 && hi == 16.1);
    ck_assert_str_eq(csro_ranges_ion_name(r, k), "O");
    ck_assert(fabs(csro_ranges_range_volume(r, 1) - 0.005) < 1e-15);
    ck_assert_int_eq(csro_ranges_range(r, 6, &lo, &hi, &k), CSRO_EINVAL);
    /* colour FF00FF */
    double rgb[3];
    ck_assert_int_eq(csro_ranges_ion_color(r, 0, rgb), 0);
    ck_assert(rgb[0] == 1.0 && rgb[1] == 0.0 && rgb[2] == 1.0);
    /* inclusive bounds at both ends */
    int cr = ion(r, "Cr");
    ck_assert_int_eq(csro_ranges_ion_of(r, 25.9), cr);
    ck_assert_int_eq(csro_ranges_ion_of(r, 26.1), cr);
    ck_assert_int_eq(csro_ranges_ion_of(r, 26.0), cr);
    ck_assert_int_eq(csro_ranges_ion_of(r, 26.4), cr); /* lower-case range 6 */
    ck_assert_int_eq(csro_ranges_ion_of(r, nextafter(26.1, 27)), -1);
    ck_assert_int_eq(csro_ranges_ion_of(r, nextafter(25.9, 0)), -1);
    ck_assert_int_eq(csro_ranges_ion_of(r, 26.3), -1);
    ck_assert_int_eq(csro_ranges_ion_of(r, 0.0), -1);
    ck_assert_int_eq(csro_ranges_ion_of(r, 100.0), -1);
    ck_assert_int_eq(csro_ranges_ion_of(r, NAN), -1);
    ck_assert_int_eq(csro_ranges_ion_of(r, 40.5), ion(r, "unknown"));
    ck_assert_int_eq(csro_ranges_ion_of(r, 34.1), ion(r, "CrO"));
    ck_assert_int_eq(csro_ranges_ion_of(r, 50.0), ion(r, "CrO2"));
    csro_ranges_free(r);
    csro_ranges_free(NULL);
}
END_TEST

START_TEST(test_crlf_decimal_comma)
{
    const char *text = "[Ions]\r\nNumber=2\r\nIon1=Fe\r\nIon2=All\r\n\r\n[Ranges]\r\n"
                       "Number=2\r\nRange1=22,8615 23,1000 Vol:0,0118 Fe:1 Color:00FF00\r\n"
                       "Range2=55,5 56,5 Vol:0,0118 Name:All All:1\r\n";
    csro_ranges *r = NULL;
    ck_assert_int_eq(load_text(&r, "crlf.rrng", text, NULL), 0);
    double lo, hi;
    size_t k;
    ck_assert_int_eq(csro_ranges_range(r, 0, &lo, &hi, &k), 0);
    ck_assert(lo == 22.8615 && hi == 23.1);
    ck_assert(csro_ranges_range_volume(r, 0) == 0.0118);
    ck_assert_str_eq(csro_ranges_ion_name(r, 1), "All");
    ck_assert_int_eq(csro_ranges_ion_known(r, 1), 0);
    ck_assert_uint_eq(csro_ranges_nelements(r), 1); /* All is a label, not Al */
    ck_assert_int_eq(csro_ranges_ion_of(r, 56.5), 1);
    csro_ranges_free(r);
    /* RNG with CRLF, decimal commas and a volume column */
    const char *rng = "2 2\r\nIron\r\nFe 0,1 0,2 0,3\r\nOther\r\nunknown 1 1 1\r\n"
                      "---------- Fe unknown\r\n. 27,9 28,1 0,01 1 0\r\n. 5 6 0 0 1\r\n";
    ck_assert_int_eq(load_text(&r, "crlf.rng", rng, NULL), 0);
    ck_assert_int_eq(csro_ranges_format(r), CSRO_RANGES_RNG);
    ck_assert_uint_eq(csro_ranges_nions(r), 2);
    ck_assert_int_eq(csro_ranges_ion_of(r, 27.9), ion(r, "Fe"));
    ck_assert_int_eq(csro_ranges_ion_of(r, 5.5), ion(r, "unknown"));
    ck_assert(csro_ranges_range_volume(r, 0) == 0.01);
    double rgb[3];
    ck_assert_int_eq(csro_ranges_ion_color(r, 0, rgb), 0);
    ck_assert(rgb[0] == 0.1 && rgb[1] == 0.2 && rgb[2] == 0.3);
    csro_ranges_free(r);
}
END_TEST

START_TEST(test_rrng_variants)
{
    /* 3Depict writes molecular ions as "Name:CrO CrO:1"; "CO:1" is a
     * formula (carbon monoxide), "ni:1" an element in another case, an
     * empty "Name:" is no name, "Vol: 0.1" has a blank after the colon */
    const char *text = "[Ions]\nNumber=0\n[Ranges]\nNumber=5\n"
                       "Range1=33.9 34.1 Name:CrO CrO:1 Color:00FF00\n"
                       "Range2=27.9 28.1 CO:1\n"
                       "Range3=28.9 29.1 Vol: 0.1 ni:1 Name:\n"
                       "Range4=49.9 50.1 Name:Cr2O3 Color:#0000ff\n"
                       "Range5=101.9 102.1 CrO:2 H:1\n";
    csro_ranges *r = NULL;
    ck_assert_int_eq(load_text(&r, "var.rrng", text, NULL), 0);
    ck_assert_uint_eq(csro_ranges_nions(r), 5);
    ck_assert_int_eq(count(r, "CrO", "Cr"), 1);
    ck_assert_int_eq(count(r, "CrO", "O"), 1);
    ck_assert_int_eq(count(r, "CO", "C"), 1);
    ck_assert_int_eq(count(r, "CO", "O"), 1);
    ck_assert_int_eq(csro_ranges_find_element(r, "Co"), -1);
    ck_assert_int_eq(count(r, "Ni", "Ni"), 1);
    ck_assert(csro_ranges_range_volume(r, 2) == 0.1);
    ck_assert_int_eq(count(r, "Cr2O3", "Cr"), 2); /* composition from the name */
    ck_assert_int_eq(count(r, "Cr2O3", "O"), 3);
    double rgb[3];
    ck_assert_int_eq(csro_ranges_ion_color(r, (size_t)ion(r, "Cr2O3"), rgb), 0);
    ck_assert(rgb[2] == 1.0 && rgb[0] == 0.0);
    ck_assert_int_eq(count(r, "Cr2O2H", "O"), 2);  /* CrO:2 H:1 */
    csro_ranges_free(r);
    /* absurd atom counts are refused, not overflowed */
    const char *big = "[Ions]\nNumber=0\n[Ranges]\nNumber=1\nRange1=1 2 H99999:99999\n";
    ck_assert_int_eq(load_text(&r, "big.rrng", big, NULL), CSRO_EFORMAT);
    ck_assert(strstr(csro_last_error(), "too many atoms") != NULL);
}
END_TEST

START_TEST(test_rng_basic)
{
    csro_ranges *r = load_ok(tu_data("ranges_basic.rng"), NULL);
    ck_assert_int_eq(csro_ranges_format(r), CSRO_RANGES_RNG);
    /* Cr, O, Ni from the list; CrO (1 1 0) and Ni2 (0 0 2) from the rows */
    ck_assert_uint_eq(csro_ranges_nions(r), 5);
    ck_assert_uint_eq(csro_ranges_nranges(r), 5);
    ck_assert_int_eq(count(r, "CrO", "Cr"), 1);
    ck_assert_int_eq(count(r, "CrO", "O"), 1);
    ck_assert_int_eq(count(r, "Ni2", "Ni"), 2);
    ck_assert_int_eq(csro_ranges_ion_of(r, 58.0), ion(r, "Ni2"));
    ck_assert_int_eq(csro_ranges_ion_of(r, 29.0), ion(r, "Ni"));
    double rgb[3];
    ck_assert_int_eq(csro_ranges_ion_color(r, (size_t)ion(r, "O"), rgb), 0);
    ck_assert(rgb[0] == 1.0 && rgb[1] == 0.0 && rgb[2] == 0.0);
    ck_assert_int_eq(csro_ranges_ion_color(r, (size_t)ion(r, "CrO"), rgb), CSRO_ENOTFOUND);
    csro_ranges_free(r);
}
END_TEST

START_TEST(test_rng_polyatomic)
{
    csro_ranges *r = load_ok(tu_data("ranges_poly.rng"), NULL);
    /* 4 main rows; the 2 extension rows repeat rows 3 and 4: still 4 */
    ck_assert_uint_eq(csro_ranges_nranges(r), 4);
    ck_assert_uint_eq(csro_ranges_nions(r), 4);
    int cro2 = ion(r, "CrO2");
    ck_assert_int_eq(csro_ranges_ion_of(r, 42.0), cro2);
    ck_assert_int_eq(csro_ranges_ion_of(r, 34.0), ion(r, "CrO"));
    ck_assert_int_eq(count(r, "CrO2", "O"), 2);
    ck_assert_int_eq(count(r, "CrO2", "Cr"), 1);
    double rgb[3]; /* colour from the extension's ion list */
    ck_assert_int_eq(csro_ranges_ion_color(r, (size_t)cro2, rgb), 0);
    ck_assert(rgb[0] == 0.0 && rgb[1] == 0.0 && rgb[2] == 1.0);
    csro_ranges_free(r);
}
END_TEST

START_TEST(test_rng_polyatomic_variants)
{
    /* the same IVAS file from a locale with decimal commas and CRLF */
    size_t n;
    char *raw = tu_read(tu_data("ranges_poly.rng"), &n);
    ck_assert_ptr_nonnull(raw);
    char *t = malloc(2 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (raw[i] == '\n')
            t[o++] = '\r';
        t[o++] = raw[i] == '.' && i + 1 < n && raw[i + 1] >= '0' && raw[i + 1] <= '9' ? ',' : raw[i];
    }
    t[o] = 0;
    free(raw);
    ck_assert(strstr(t, "25,9000") != NULL && strstr(t, "\r\n") != NULL);
    csro_ranges *r = NULL;
    ck_assert_int_eq(load_text(&r, "polycomma.rng", t, NULL), 0);
    free(t);
    ck_assert_uint_eq(csro_ranges_nranges(r), 4);
    ck_assert_int_eq(csro_ranges_ion_of(r, 42.1), ion(r, "CrO2"));
    csro_ranges_free(r);
    /* an extension row without a main-table twin adds a range; a row whose
     * main ion is a composed name ("CrO") is renamed ("CrO+") */
    const char *x = "2 2\nCr\nCr 1 0 1\nO\nO 1 0 0\n---- Cr O\n"
                    ". 25.9 26.1 1 0\n. 33.9 34.1 1 1\n\n--- polyatomic extension\n"
                    "2 2\nCrO+\nCrO+ 0 1 0\nCrO3\nCrO3 0 0 1\n---- CrO+ CrO3\n"
                    ". 33.9 34.1 1 0\n. 49.9 50.1 0 1\n";
    ck_assert_int_eq(load_text(&r, "polyx.rng", x, NULL), 0);
    ck_assert_uint_eq(csro_ranges_nranges(r), 3);
    ck_assert_uint_eq(csro_ranges_nions(r), 3); /* Cr, CrO+, CrO3 ("CrO" dropped) */
    ck_assert_int_eq(csro_ranges_find_ion(r, "CrO"), -1);
    ck_assert_int_eq(csro_ranges_ion_of(r, 34.0), ion(r, "CrO+"));
    ck_assert_int_eq(count(r, "CrO+", "O"), 1);
    ck_assert_int_eq(csro_ranges_ion_of(r, 50.0), ion(r, "CrO3"));
    ck_assert_int_eq(count(r, "CrO3", "O"), 3);
    csro_ranges_free(r);
}
END_TEST

START_TEST(test_duplicates_merge)
{
    /* AP Suite style: 300 copies of one Ni range plus overlapping and
     * touching Ni ranges, and one Co range: merged to Ni [28.9, 29.3],
     * Ni [30, 30.2] and Co. */
    size_t cap = 64 * 1024, o = 0;
    char *t = malloc(cap);
    o += (size_t)snprintf(t + o, cap - o, "[Ions]\nNumber=2\nIon1=Ni\nIon2=Co\n[Ranges]\nNumber=304\n");
    for (int i = 1; i <= 300; i++)
        o += (size_t)snprintf(t + o, cap - o, "Range%d=28.9 29.1 Vol:0.01 Ni:1 Color:00FF00\n", i);
    o += (size_t)snprintf(t + o, cap - o, "Range301=29.0 29.2 Vol:0.01 Ni:1\n");
    o += (size_t)snprintf(t + o, cap - o, "Range302=29.2 29.3 Vol:0.01 Ni:1\n");
    o += (size_t)snprintf(t + o, cap - o, "Range303=29.4 29.6 Vol:0.01 Co:1\n");
    o += (size_t)snprintf(t + o, cap - o, "Range304=30.0 30.2 Vol:0.01 Ni:1\n");
    csro_ranges *r = NULL;
    ck_assert_int_eq(load_text(&r, "dup.rrng", t, NULL), 0);
    free(t);
    ck_assert_uint_eq(csro_ranges_nions(r), 2);
    ck_assert_uint_eq(csro_ranges_nranges(r), 3);
    double lo, hi;
    size_t k;
    ck_assert_int_eq(csro_ranges_range(r, 0, &lo, &hi, &k), 0);
    ck_assert(lo == 28.9 && hi == 29.3 && k == 0);
    ck_assert(fabs(csro_ranges_range_volume(r, 0) - 302 * 0.01) < 1e-9);
    ck_assert_int_eq(csro_ranges_range(r, 1, &lo, &hi, &k), 0);
    ck_assert(lo == 29.4 && hi == 29.6 && k == 1);
    csro_ranges_free(r);
}
END_TEST

START_TEST(test_overlap_rules)
{
    const char *text = "[Ions]\nNumber=2\nIon1=Ni\nIon2=Co\n[Ranges]\nNumber=3\n"
                       "Range1=29.3 29.6 Ni:1\nRange2=29.5 29.7 Co:1\nRange3=29.7 29.9 Ni:1\n";
    csro_ranges *r = (csro_ranges *)1;
    ck_assert_int_eq(load_text(&r, "ovl.rrng", text, NULL), CSRO_EFORMAT);
    ck_assert_ptr_null(r);
    const char *m = csro_last_error();
    ck_assert_msg(strstr(m, "ovl.rrng") && strstr(m, "Ni [29.3, 29.6]") &&
                      strstr(m, "Co [29.5, 29.7]"), "message: %s", m);
    csro_ranges_opts *o = csro_ranges_opts_new();
    ck_assert_int_eq(csro_ranges_opts_set_first_match(o, 1), 0);
    ck_assert_int_eq(load_text(&r, "ovl.rrng", text, o), 0);
    ck_assert_int_eq(csro_ranges_ion_of(r, 29.55), 0);  /* Ni listed first */
    ck_assert_int_eq(csro_ranges_ion_of(r, 29.65), 1);  /* only Co */
    ck_assert_int_eq(csro_ranges_ion_of(r, 29.7), 1);   /* shared end: Co listed first */
    ck_assert_int_eq(csro_ranges_ion_of(r, 29.8), 0);
    float mf[3] = {29.55f, 29.65f, 31.0f};
    int32_t io[3];
    ck_assert_int_eq(csro_ranges_assign(r, mf, 3, io), 0);
    ck_assert(io[0] == 0 && io[1] == 1 && io[2] == -1);
    csro_ranges_free(r);
    csro_ranges_opts_free(o);
    csro_ranges_opts_free(NULL);
    /* touching ranges of different ions are not an overlap */
    const char *touch = "[Ions]\nNumber=2\nIon1=Ni\nIon2=Co\n[Ranges]\nNumber=2\n"
                        "Range1=29.3 29.5 Ni:1\nRange2=29.5 29.7 Co:1\n";
    ck_assert_int_eq(load_text(&r, "touch.rrng", touch, NULL), 0);
    ck_assert_int_eq(csro_ranges_ion_of(r, 29.5), 0);
    ck_assert_int_eq(csro_ranges_ion_of(r, 29.6), 1);
    csro_ranges_free(r);
}
END_TEST

START_TEST(test_float_assign)
{
    /* masses stored as float: 26.1f > 26.1 in double, yet the text "26.100"
     * of a CSV is inside [25.9, 26.1] as in the float64 reference */
    csro_ranges *r = load_ok(tu_data("ranges_basic.rrng"), NULL);
    ck_assert((double)26.1f > 26.1);
    float mf[4] = {26.1f, 25.9f, 26.3f, NAN};
    int32_t io[4];
    ck_assert_int_eq(csro_ranges_assign(r, mf, 4, io), 0);
    ck_assert_int_eq(io[0], 0);
    ck_assert_int_eq(io[1], 0);
    ck_assert_int_eq(io[2], -1);
    ck_assert_int_eq(io[3], -1);
    ck_assert_int_eq(csro_ranges_assign(r, NULL, 2, io), CSRO_EINVAL);
    ck_assert_int_eq(csro_ranges_assign(r, NULL, 0, NULL), 0);
    csro_ranges_free(r);
}
END_TEST

static void expect_error(const char *name, const char *text, int code, const char *needle1,
                         const char *needle2)
{
    csro_ranges *r = (csro_ranges *)1;
    int rc = load_text(&r, name, text, NULL);
    ck_assert_msg(rc == code, "%s: rc %d (%s)", name, rc, csro_last_error());
    ck_assert_ptr_null(r);
    const char *m = csro_last_error();
    ck_assert_msg(strstr(m, name) != NULL, "%s: message lacks file: %s", name, m);
    ck_assert_msg(strstr(m, needle1) != NULL, "%s: message lacks '%s': %s", name, needle1, m);
    if (needle2)
        ck_assert_msg(strstr(m, needle2) != NULL, "%s: message lacks '%s': %s", name, needle2, m);
    ck_assert(strchr(m, '\n') == NULL);
}

START_TEST(test_bad_files)
{
    expect_error("lohi.rrng", "[Ions]\nNumber=1\nIon1=Ni\n[Ranges]\nNumber=2\n"
                 "Range1=28.9 29.1 Ni:1\nRange2=30.1 30.1 Ni:1\n", CSRO_EFORMAT, "line 7", "30.1");
    expect_error("flip.rng", "1 1\nNi\nNi 0 1 0\n---- Ni\n. 30.2 30.1 1\n", CSRO_EFORMAT,
                 "line 5", "not below");
    expect_error("xx.rrng", "[Ions]\nNumber=1\nIon1=Ni\n[Ranges]\nNumber=1\n"
                 "Range1=28.9 29.1 Xx:1\n", CSRO_EFORMAT, "line 6", "'Xx' is not an element");
    expect_error("short.rrng", "[Ions]\nNumber=1\nIon1=Ni\n[Ranges]\nNumber=3\n"
                 "Range1=28.9 29.1 Ni:1\n", CSRO_EFORMAT, "declares 3 ranges", NULL);
    expect_error("short.rng", "1 3\nNi\nNi 0 1 0\n---- Ni\n. 28.9 29.1 1\n", CSRO_EFORMAT,
                 "3 declared ranges", NULL);
    expect_error("cols.rng", "1 1\nNi\nNi 0 1 0\n---- Ni\n. 28.9 29.1 1 0 0\n", CSRO_EFORMAT,
                 "line 5", "column");
    expect_error("zero.rng", "1 1\nNi\nNi 0 1 0\n---- Ni\n. 28.9 29.1 0\n", CSRO_EFORMAT,
                 "line 5", "no ion");
    expect_error("noion.rrng", "[Ions]\nNumber=0\n[Ranges]\nNumber=1\nRange1=1 2 Vol:0\n",
                 CSRO_EFORMAT, "line 5", "no ion");
    expect_error("num.rrng", "[Ions]\nNumber=1\nIon1=Ni\n[Ranges]\nNumber=1\n"
                 "Range1=28.9x 29.1 Ni:1\n", CSRO_EFORMAT, "line 6", "bounds");
    expect_error("garbage.txt", "hello world\n", CSRO_EFORMAT, "not a range file", NULL);
    expect_error("empty.rrng", "[Ions]\nNumber=0\n[Ranges]\nNumber=0\n", CSRO_EFORMAT,
                 "no ranges", NULL);
    expect_error("trail.rng", "1 1\nNi\nNi 0 1 0\n---- Ni\n. 28.9 29.1 1\n. 30 31 1\n",
                 CSRO_EFORMAT, "line 6", "unexpected");
    csro_ranges *r = (csro_ranges *)1;
    char *bin = tu_tmp("binary.rng");
    ck_assert_int_eq(tu_write(bin, "1 1\n\0\0\0", 7), 0);
    ck_assert_int_eq(csro_ranges_load(&r, bin, NULL), CSRO_EFORMAT);
    ck_assert(strstr(csro_last_error(), "binary") != NULL);
    free(bin);
    ck_assert_int_eq(csro_ranges_load(&r, "/nonexistent/x.rrng", NULL), CSRO_EIO);
    ck_assert_ptr_null(r);
    ck_assert(strstr(csro_last_error(), "/nonexistent/x.rrng") != NULL);
    csro_ranges_opts *o = csro_ranges_opts_new();
    ck_assert_int_eq(csro_ranges_opts_set_format(o, 9), CSRO_EINVAL);
    ck_assert_int_eq(csro_ranges_opts_set_first_match(NULL, 1), CSRO_EINVAL);
    /* forcing RNG on a RRNG file fails cleanly */
    ck_assert_int_eq(csro_ranges_opts_set_format(o, CSRO_RANGES_RNG), 0);
    ck_assert_int_eq(csro_ranges_load(&r, tu_data("ranges_basic.rrng"), o), CSRO_EFORMAT);
    csro_ranges_opts_free(o);
}
END_TEST

START_TEST(test_species)
{
    const char *text = "[Ions]\nNumber=5\nIon1=Ni\nIon2=Co\nIon3=NiH\nIon4=Ni2\nIon5=unknown\n"
                       "[Ranges]\nNumber=6\nRange1=28.9 29.1 Ni:1\nRange2=29.4 29.6 Co:1\n"
                       "Range3=59.9 60.1 Ni:1 H:1\nRange4=57.9 58.1 Ni:2\n"
                       "Range5=87.9 88.1 Name:Ni+ Ni:1\nRange6=5 6 Name:unknown\n";
    csro_ranges *r = NULL;
    ck_assert_int_eq(load_text(&r, "sp.rrng", text, NULL), 0);
    size_t n = csro_ranges_nions(r);
    ck_assert_uint_eq(n, 6);
    int ni = ion(r, "Ni"), co = ion(r, "Co"), nih = ion(r, "NiH"), ni2 = ion(r, "Ni2"),
        nip = ion(r, "Ni+"), unk = ion(r, "unknown");
    int w[6];
    ck_assert_int_eq(csro_ranges_species_weights(r, "Ni", 0, w, n), 0);
    ck_assert(w[ni] == 1 && w[ni2] == 2 && w[nih] == 0 && w[co] == 0 && w[nip] == 1 &&
              w[unk] == 0);
    ck_assert_int_eq(csro_ranges_species_weights(r, "Ni", CSRO_SPECIES_DECOMPOSE, w, n), 0);
    ck_assert(w[ni] == 1 && w[ni2] == 2 && w[nih] == 1 && w[co] == 0);
    ck_assert_int_eq(csro_ranges_species_weights(r, "Co, Ni", 0, w, n), 0);
    ck_assert(w[ni] == 1 && w[co] == 1 && w[nih] == 0);
    ck_assert_int_eq(csro_ranges_species_weights(r, "H", 0, w, n), 0);
    ck_assert(w[nih] == 0 && w[ni] == 0);
    ck_assert_int_eq(csro_ranges_species_weights(r, "H", CSRO_SPECIES_DECOMPOSE, w, n), 0);
    ck_assert(w[nih] == 1 && w[ni] == 0);
    /* ions by name, formula and composition tokens */
    ck_assert_int_eq(csro_ranges_species_weights(r, "Ni+", 0, w, n), 0);
    ck_assert(w[nip] == 1 && w[ni] == 0);
    ck_assert_int_eq(csro_ranges_species_weights(r, "HNi", 0, w, n), 0);
    ck_assert(w[nih] == 1 && w[ni] == 0);
    ck_assert_int_eq(csro_ranges_species_weights(r, "Ni:1 H:1", 0, w, n), 0);
    ck_assert(w[nih] == 1 && w[ni] == 0);
    ck_assert_int_eq(csro_ranges_species_weights(r, "Co++", 0, w, n), 0);
    ck_assert(w[co] == 1 && w[ni] == 0);
    ck_assert_int_eq(csro_ranges_species_weights(r, "unknown,Co", 0, w, n), 0);
    ck_assert(w[unk] == 1 && w[co] == 1 && w[ni] == 0);
    /* errors */
    ck_assert_int_eq(csro_ranges_species_weights(r, "Fe", 0, w, n), CSRO_ENOTFOUND);
    ck_assert(strstr(csro_last_error(), "'Fe'") != NULL);
    ck_assert_int_eq(csro_ranges_species_weights(r, "Ni,Zz", 0, w, n), CSRO_ENOTFOUND);
    ck_assert(strstr(csro_last_error(), "'Zz'") != NULL);
    ck_assert_int_eq(csro_ranges_species_weights(r, " , ", 0, w, n), CSRO_EINVAL);
    ck_assert_int_eq(csro_ranges_species_weights(r, "Ni", 0, w, n - 1), CSRO_EINVAL);
    csro_ranges_free(r);
}
END_TEST

/* Real CoCrNi ions: per-ion counts from csro_ranges_assign against a plain
 * linear scan over the window list typed below from the range file. */
START_TEST(test_cocrni_real)
{
    static const struct { double lo, hi; const char *ion; } win[] = {
        {0.95, 1.15, "H"},     {1.95, 2.15, "H2"},    {24.85, 25.15, "Cr"}, {25.85, 26.25, "Cr"},
        {26.35, 26.65, "Cr"},  {26.85, 27.15, "Cr"},  {28.85, 29.30, "Ni"}, {29.38, 29.80, "Co"},
        {29.85, 30.25, "Ni"},  {30.35, 30.65, "Ni"},  {30.85, 31.15, "Ni"}, {31.85, 32.15, "Ni"},
        {57.75, 58.25, "Ni"},  {58.85, 59.15, "Co"},  {59.75, 60.25, "Ni"},
    };
    csro_ranges *r = load_ok(tu_data("ranges_cocrni.rrng"), NULL);
    ck_assert_uint_eq(csro_ranges_nions(r), 5);
    ck_assert_uint_eq(csro_ranges_nranges(r), sizeof win / sizeof win[0]);
    ck_assert_uint_eq(csro_ranges_nelements(r), 4);
    ck_assert_int_eq(count(r, "H2", "H"), 2);
    size_t len;
    char *raw = tu_read(tu_data("cocrni_2000.csv"), &len);
    ck_assert_ptr_nonnull(raw);
    char *csv = malloc(len + 1); /* tu_read does not terminate the text */
    memcpy(csv, raw, len);
    csv[len] = 0;
    free(raw);
    float *m = malloc(2000 * sizeof *m);
    double *md = malloc(2000 * sizeof *md);
    size_t n = 0;
    for (char *line = strtok(csv, "\n"); line && n < 2000; line = strtok(NULL, "\n")) {
        double x, y, z, mm;
        ck_assert_int_eq(sscanf(line, "%lf,%lf,%lf,%lf", &x, &y, &z, &mm), 4);
        md[n] = mm;
        m[n++] = (float)mm;
    }
    ck_assert_uint_eq(n, 2000);
    int32_t *io = malloc(n * sizeof *io);
    ck_assert_int_eq(csro_ranges_assign(r, m, n, io), 0);
    size_t got[6] = {0}, want[6] = {0};
    for (size_t i = 0; i < n; i++) {
        got[io[i] < 0 ? 5 : io[i]]++;
        int w = -1;
        for (size_t k = 0; k < sizeof win / sizeof win[0]; k++)
            if (md[i] >= win[k].lo && md[i] <= win[k].hi)
                w = csro_ranges_find_ion(r, win[k].ion);
        want[w < 0 ? 5 : w]++;
        ck_assert_int_eq(csro_ranges_ion_of(r, md[i]), w);
    }
    for (int k = 0; k < 6; k++)
        ck_assert_uint_eq(got[k], want[k]);
    /* the spectrum is mostly Cr, Co, Ni: each well represented */
    ck_assert(got[ion(r, "Ni")] > 400 && got[ion(r, "Co")] > 300 && got[ion(r, "Cr")] > 300);
    ck_assert_msg(got[5] < 300, "unranged %zu", got[5]); /* background: about 12 % */
    free(io);
    free(m);
    free(md);
    free(csv);
    csro_ranges_free(r);
}
END_TEST

CSRO_TEST_MAIN("ranges", 0, test_rrng_basic, test_crlf_decimal_comma, test_rrng_variants,
               test_rng_basic, test_rng_polyatomic, test_rng_polyatomic_variants,
               test_duplicates_merge, test_overlap_rules, test_float_assign, test_bad_files,
               test_species, test_cocrni_real)
