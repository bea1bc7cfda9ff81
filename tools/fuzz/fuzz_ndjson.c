/* fuzz_ndjson.c — libFuzzer target for the NDJSON reader (core/reader_ndjson.c).
 *
 * The input is read from memory twice against a source with a field of every type: once in
 * one big block and once in blocks of 1 to 64 bytes (chosen by the first input byte), and
 * the two reads must agree exactly — the same records with the same values and lines, the
 * same counts, the same diagnostics with their columns — or the target aborts. So besides
 * memory errors and undefined behaviour, the fuzzer looks for any input whose result depends
 * on where the block boundaries fall. Every value handed to the callback is read byte by
 * byte, so a pointer outside the buffer shows up under AddressSanitizer, and every non-null
 * string value must be valid UTF-8 (the reader promises it).
 *
 * Build and run (from the repository root; see tests/readers/README.md for a run of record):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L \
 *         -D_DEFAULT_SOURCE -Icore tools/fuzz/fuzz_ndjson.c core/reader_ndjson.c core/reader_input.c \
 *         core/reader_value.c core/timefmt.c core/diag.c core/source.c -lm -o fuzz_ndjson
 *   ./fuzz_ndjson -max_total_time=240 -max_len=4096 CORPUS_DIR */
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
    {"id", PG_FT_STRING, 0, NULL, 0},    {"unit", PG_FT_STRING, 0, NULL, 0},
    {"n", PG_FT_INT, 1, NULL, 0},        {"x", PG_FT_NUMBER, 1, NULL, 0},
    {"ok", PG_FT_BOOL, 1, NULL, 0},      {"at", PG_FT_TIME, 1, NULL, 0},
    {"ch", PG_FT_ENUM, 1, ch_values, 3}, {"note", PG_FT_STRING, 1, NULL, 0},
};
static const pg_source source = {"cases", fields, 8, 1, 5, 0, "fuzz.lua", 1};

/* A running FNV-1a digest of everything a read produced. */
typedef struct {
    uint64_t h;
} digest;

static void mix(digest *g, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) g->h = (g->h ^ s[i]) * 0x100000001B3ULL;
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), written out plainly
 * here rather than shared with the reader, so that it checks the reader's own. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

static int on_record(void *ud, const pg_value *rec, int line)
{
    digest *g = ud;
    mix(g, &line, sizeof line);
    for (int i = 0; i < 8; i++) {
        const pg_value *v = &rec[i];
        mix(g, &v->null, 1);
        if (v->null) continue;
        if (v->len <= 0) abort(); /* empty text is null */
        mix(g, &v->num, sizeof v->num);
        mix(g, v->str, (size_t)v->len); /* reads every byte: ASan checks the pointer */
        if (fields[i].type == PG_FT_STRING &&
            !valid_utf8((const unsigned char *)v->str, (size_t)v->len))
            abort();
    }
    return 0;
}

static uint64_t run(const char *data, size_t len, size_t block, pg_read_stats *st, int *rc)
{
    digest g = {0xCBF29CE484222325ULL};
    pg_diags d = {0};
    *rc = pg_read_ndjson_mem(&source, "fuzz.ndjson", data, len, block, 8 * 3600, on_record, &g, st,
                             &d);
    if (d.n > PG_READER_MAX_ERRORS + 1) abort(); /* the cap, plus one read error at most */
    for (int i = 0; i < d.n; i++) {
        mix(&g, &d.v[i].line, sizeof d.v[i].line);
        mix(&g, &d.v[i].col, sizeof d.v[i].col);
        mix(&g, d.v[i].msg, strlen(d.v[i].msg));
    }
    pg_diags_free(&d);
    return g.h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t block = 1 + data[0] % 64;
    data++, size--;
    char *text = malloc(size + 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);

    pg_read_stats a, b;
    int ra, rb;
    uint64_t ha = run(text, size, BIG, &a, &ra);
    uint64_t hb = run(text, size, block, &b, &rb);
    if (ha != hb || ra != rb || a.records != b.records || a.errors != b.errors) {
        fprintf(stderr, "block %zu: rc %d/%d records %ld/%ld errors %ld/%ld digest %llx/%llx\n",
                block, ra, rb, a.records, b.records, a.errors, b.errors, (unsigned long long)ha,
                (unsigned long long)hb);
        abort();
    }
    free(text);
    return 0;
}
