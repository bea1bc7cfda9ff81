/* fuzz_reader.h — what the CSV and NDJSON reader targets share (included by fuzz_csv.c and
 * fuzz_ndjson.c only): a source with a field of every type, a digest of everything a read
 * produces, and the check that one big block and small blocks give the same result. */
#ifndef PG_FUZZ_READER_H
#define PG_FUZZ_READER_H

#include "reader.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One block for anything -max_len allows (the readers' own 1 MiB would cost a 1 MiB
 * allocation per run and slow the fuzzer down tenfold). */
#define BIG ((size_t)1 << 16)

static char *ch_values[] = {"窗口", "网上", "粤省事"};
static pg_field fields[] = {
    {"id", PG_FT_STRING, 0, NULL, 0, 0},    {"unit", PG_FT_STRING, 0, NULL, 0, 0},
    {"n", PG_FT_INT, 1, NULL, 0, 1},        {"x", PG_FT_NUMBER, 1, NULL, 0, 1},
    {"ok", PG_FT_BOOL, 1, NULL, 0, 1},      {"at", PG_FT_TIME, 1, NULL, 0, 1},
    {"ch", PG_FT_ENUM, 1, ch_values, 3, 1}, {"note", PG_FT_STRING, 1, NULL, 0, 1},
};
/* Undeclared columns and keys are skipped rather than refused, so that the fuzzer keeps
 * reaching the code that checks and skips them (nested values included). */
static const pg_source source = {.name = "cases",
                                 .fields = fields,
                                 .nfields = 8,
                                 .unit_field = 1,
                                 .time_field = 5,
                                 .key_field = 0,
                                 .file = "fuzz.lua",
                                 .line = 1,
                                 .extra_ignore = 1};

typedef int (*read_mem_fn)(const pg_source *src, const char *name, const char *data, size_t len,
                           size_t block, int offset, pg_record_fn fn, void *ud,
                           pg_read_stats *stats, pg_diags *d);

/* A running FNV-1a digest of everything a read produced. */
typedef struct {
    uint64_t h;
} digest;

static void mix(digest *g, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) g->h = (g->h ^ s[i]) * 0x100000001B3ULL;
}

static uint64_t run(read_mem_fn read, pg_record_fn on_record, const char *name, const char *data,
                    size_t len, size_t block, pg_read_stats *st, int *rc)
{
    digest g = {0xCBF29CE484222325ULL};
    pg_diags d = {0};
    *rc = read(&source, name, data, len, block, 8 * 3600, on_record, &g, st, &d);
    if (d.n > PG_READER_MAX_ERRORS + 1) abort(); /* the cap, plus one read error at most */
    for (int i = 0; i < d.n; i++) {
        mix(&g, &d.v[i].line, sizeof d.v[i].line);
        mix(&g, &d.v[i].col, sizeof d.v[i].col);
        mix(&g, d.v[i].msg, strlen(d.v[i].msg));
    }
    pg_diags_free(&d);
    return g.h;
}

/* Reads `text` in one big block and in blocks of `block` bytes; aborts unless both give the same
 * records, values, lines, counts and diagnostics. */
static void same_in_any_blocks(read_mem_fn read, pg_record_fn on_record, const char *name,
                               const char *text, size_t len, size_t block)
{
    pg_read_stats a, b;
    int ra, rb;
    uint64_t ha = run(read, on_record, name, text, len, BIG, &a, &ra);
    uint64_t hb = run(read, on_record, name, text, len, block, &b, &rb);
    if (ha != hb || ra != rb || a.records != b.records || a.errors != b.errors) {
        fprintf(stderr, "block %zu: rc %d/%d records %ld/%ld errors %ld/%ld digest %llx/%llx\n",
                block, ra, rb, a.records, b.records, a.errors, b.errors, (unsigned long long)ha,
                (unsigned long long)hb);
        abort();
    }
}

#endif
