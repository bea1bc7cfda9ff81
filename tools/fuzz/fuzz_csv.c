/* fuzz_csv.c — libFuzzer target for the CSV reader (core/reader_csv.c).
 *
 * The input is read from memory twice against a source with a field of every type: once in
 * one big block and once in blocks of 1 to 64 bytes (chosen by the first input byte), and
 * the two reads must agree exactly — the same records with the same values and lines, the
 * same counts, the same diagnostics — or the target aborts. So besides memory errors and
 * undefined behaviour, the fuzzer looks for any input whose result depends on where the
 * block boundaries fall. Every value handed to the callback is read byte by byte, so a
 * pointer outside the buffer shows up under AddressSanitizer. When the second input byte is
 * odd, a header naming every field is put in front, so that the fuzzer reaches the records
 * without having to discover the field names first.
 *
 * Build and run (from the repository root; see tests/readers/README.md for a run of record):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L \
 *         -D_DEFAULT_SOURCE -Icore tools/fuzz/fuzz_csv.c core/reader_csv.c core/reader_input.c \
 *         core/reader_value.c core/timefmt.c core/diag.c core/source.c -lm -o fuzz_csv
 *   ./fuzz_csv -max_total_time=240 -max_len=4096 CORPUS_DIR */
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

static int on_record(void *ud, const pg_value *rec, int line)
{
    digest *g = ud;
    mix(g, &line, sizeof line);
    for (int i = 0; i < 8; i++) {
        const pg_value *v = &rec[i];
        mix(g, &v->null, 1);
        if (v->null) continue;
        if (v->len < 0) abort();
        mix(g, &v->num, sizeof v->num);
        mix(g, v->str, (size_t)v->len); /* reads every byte: ASan checks the pointer */
    }
    return 0;
}

static uint64_t run(const char *data, size_t len, size_t block, pg_read_stats *st, int *rc)
{
    digest g = {0xCBF29CE484222325ULL};
    pg_diags d = {0};
    *rc = pg_read_csv_mem(&source, "fuzz.csv", data, len, block, 8 * 3600, on_record, &g, st, &d);
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
    static const char header[] = "id,unit,n,x,ok,at,ch,note\n";
    if (size < 2) return 0;
    size_t block = 1 + data[0] % 64;
    int with_header = data[1] & 1;
    data += 2, size -= 2;
    size_t hl = with_header ? sizeof header - 1 : 0;
    char *text = malloc(hl + size + 1);
    if (!text) return 0;
    memcpy(text, header, hl);
    if (size) memcpy(text + hl, data, size);

    pg_read_stats a, b;
    int ra, rb;
    uint64_t ha = run(text, hl + size, BIG, &a, &ra);
    uint64_t hb = run(text, hl + size, block, &b, &rb);
    if (ha != hb || ra != rb || a.records != b.records || a.errors != b.errors) {
        fprintf(stderr, "block %zu: rc %d/%d records %ld/%ld errors %ld/%ld digest %llx/%llx\n",
                block, ra, rb, a.records, b.records, a.errors, b.errors, (unsigned long long)ha,
                (unsigned long long)hb);
        abort();
    }
    free(text);
    return 0;
}
