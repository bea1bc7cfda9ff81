/* fuzz_expr.c — libFuzzer target for the expression compiler and evaluator (core/rules/expr.c).
 *
 * The input is taken as expression text (a NUL-terminated copy, since pg_expr_compile reads
 * a C string; an embedded NUL simply ends the text early). It is compiled against a fixed
 * source with a field of every type, nullable and not, two enums and a third that declares
 * no values (which a loader may forbid, but the compiler must survive); every other input is
 * compiled without a calendar, so both the workdays() error and its evaluation are reached.
 * A plan is evaluated with pg_expr_test and pg_expr_number on three fixed records: all
 * values present, every nullable field null, and edge values (0, negatives, an empty string
 * with a NULL pointer, an enum index outside the declared values). Besides the sanitizers'
 * findings, the target aborts when the API breaks its promises: a plan with a message, no
 * plan without one, a column outside 1 .. length + 1, or a bool result other than 0 or 1.
 *
 * Build and run: `tools/fuzz/run --seconds 300 expr` (it names the sources and the include
 * folders); the binary it builds also runs by hand:
 *   ./fuzz_expr -max_total_time=300 corpus_dir
 * (-fno-sanitize-recover makes undefined behaviour a crash the fuzzer keeps, not a line in
 * its log.) */
#include "rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *channels[] = {"粤省事", "粤商通", "pc"};
static char *kinds[] = {"new", "renew"};

static pg_field fields[] = {
    {"name", PG_FT_STRING, 0, NULL, 0, 0},       {"count", PG_FT_INT, 0, NULL, 0, 0},
    {"score", PG_FT_NUMBER, 1, NULL, 0, 1},      {"flag", PG_FT_BOOL, 0, NULL, 0, 0},
    {"ok", PG_FT_BOOL, 1, NULL, 0, 1},           {"received_at", PG_FT_TIME, 0, NULL, 0, 0},
    {"completed_at", PG_FT_TIME, 1, NULL, 0, 1}, {"channel", PG_FT_ENUM, 1, channels, 3, 1},
    {"promised_days", PG_FT_INT, 0, NULL, 0, 0}, {"note", PG_FT_STRING, 1, NULL, 0, 1},
    {"kind", PG_FT_ENUM, 0, kinds, 2, 0},        {"none", PG_FT_ENUM, 1, NULL, 0, 1},
};
#define NF ((int)(sizeof(fields) / sizeof(*fields)))

static const pg_source source = {.name = "cases",
                                 .fields = fields,
                                 .nfields = NF,
                                 .unit_field = 0,
                                 .time_field = 5,
                                 .key_field = -1,
                                 .file = "fuzz",
                                 .line = 1};

static long holidays[] = {18750, 18751, 18752};
static long workdays[] = {18755};
static const pg_calendar calendar = {holidays, 3, workdays, 1};

#define S(s) .str = (s), .len = (int)sizeof(s) - 1
/* NF + 1: a plan reading `cutoff` reads the slot after the fields (left 0 here) */
static const pg_value records[3][NF + 1] = {
    {{0, 0, S("汕尾市")},
     {0, 3, 0, 0},
     {0, 2.5, 0, 0},
     {0, 1, 0, 0},
     {0, 0, 0, 0},
     {0, 1619748000.0, 0, 0},
     {0, 1620655200.0, 0, 0},
     {0, 0, S("粤省事")},
     {0, 10, 0, 0},
     {0, 0, S("it's")},
     {0, 1, S("renew")}},
    {{0, 0, S("")},
     {0, -7, 0, 0},
     {1, 0, 0, 0},
     {0, 0, 0, 0},
     {1, 0, 0, 0},
     {0, 1620399600.0, 0, 0},
     {1, 0, 0, 0},
     {1, 0, 0, 0},
     {0, 0, 0, 0},
     {1, 0, 0, 0},
     {0, 0, S("new")}},
    {{0, 0, NULL, 0},
     {0, 0, 0, 0},
     {0, -1e300, 0, 0},
     {0, 1, 0, 0},
     {0, 1, 0, 0},
     {0, 0.0, 0, 0},
     {0, -86400.5, 0, 0},
     {0, 7, S("web")},
     {0, 1e9, 0, 0},
     {0, 0, NULL, 0},
     {0, -1, S("?")}},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text);
    pg_xtype type;
    char *err = NULL;
    int col = -1;
    const pg_calendar *cal = size % 2 ? &calendar : NULL;
    pg_expr *e = pg_expr_compile(text, &source, cal, 8 * 3600, &type, &err, &col);
    if (e) {
        if (err) abort();
        for (int k = 0; k < 3; k++) {
            int b = pg_expr_test(e, records[k]);
            if (b != 0 && b != 1) abort();
            (void)pg_expr_number(e, records[k]);
        }
        pg_expr_free(e);
    } else {
        if (!err || col < 1 || (size_t)col > len + 1) abort();
        free(err);
    }
    free(text);
    return 0;
}
