/* tools/provenance.h: one provenance record per tool run, written into
 * every output kind (TIFF ImageJ description and VTI comment as key=value
 * lines, JSON, HDF5/NeXus, .zsdm/.prob texts): program and library
 * version, the full command line, all parameters, the input files with
 * their sizes and CRC-32, the model's identity and a UTC timestamp.
 * Not installed. */
#ifndef CSRO_TOOLS_PROVENANCE_H
#define CSRO_TOOLS_PROVENANCE_H

#include "common.h"

typedef struct tool_prov tool_prov;

/* Record program (tool_name()), its and the library's version, the command
 * line (shell-quoted) and the time. Exits 1 when out of memory. */
tool_prov *prov_new(int argc, char **argv);
void prov_free(tool_prov *p);
/* A copy of the record (e.g. one per output with its own parameters). */
tool_prov *prov_copy(const tool_prov *p);

/* A parameter as the tool used it (after defaults), e.g. ("threshold", "3.75"). */
void prov_param(tool_prov *p, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An input file of the given role ("prob", "recon", "ranges", "model"):
 * name, size and CRC-32 of its bytes (read once here); "-" (stdin) is
 * recorded as such, without size or checksum, and so are FIFOs and
 * devices (which the tool itself reads). Unreadable files exit 1
 * with the usual message. */
const char *prov_input(tool_prov *p, const char *role, const char *path); /* its crc32 text or NULL */
/* Identity of the model (e.g. ("classes", "FCC,CSRO"), ("members", "5")). */
void prov_model(tool_prov *p, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The record as "key=value" lines (keys: program, version,
 * library_version, command_line, timestamp, parameter.K, input.N.role,
 * input.N.file, input.N.size, input.N.crc32, model.K); newlines and tabs
 * in values become spaces. Caller frees. */
char *prov_text(const tool_prov *p);
/* Write the record as the member "provenance" of the JSON object open in j
 * (program, version, library_version, command_line, timestamp, then
 * "parameters" {}, "inputs" [{role, file, size, crc32}], "model" {}). */
void prov_json(const tool_prov *p, tool_json *j);

/* The record as "# key=value" comment lines (keys as prov_text) at the
 * head of a TSV or CSV output. */
void prov_comments(const tool_prov *p, FILE *fp);
/* The record as "provenance.KEY<TAB>value" rows of a name/value table
 * (csro-stats TSV). */
void prov_rows(const tool_prov *p, FILE *fp);
/* Put those comment lines before the contents of the text file at path
 * (an output's temporary written by the library, e.g. csro_recon_save's
 * CSV); stdout ("-") and other non-regular files are left alone. */
void prov_prepend(const tool_prov *p, const char *path);
/* The record as texts "PROGRAM.key" (keys as prov_text) of a .zsdm/.prob
 * header: each tool adds its own, so a file carries the chain of runs that
 * made it. */
void prov_texts(const tool_prov *p, csro_zsdm_meta *m);
/* The model that made a .prob (the model.* record csro-classify left in
 * its texts; "classify_model" of older files) as model.* entries; nothing
 * for stdin. */
void prov_prob_model(tool_prov *p, const char *prob);

/* Iterate the record: entry i of n (section "program", "parameters",
 * "inputs" or "model"; key; value). For inputs the key is "N.role",
 * "N.file", "N.size" or "N.crc32". */
size_t prov_count(const tool_prov *p);
void prov_entry(const tool_prov *p, size_t i, const char **section, const char **key, const char **value);

#endif
