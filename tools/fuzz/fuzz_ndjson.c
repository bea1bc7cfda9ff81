/* fuzz_ndjson.c — libFuzzer target for the NDJSON reader (core/data/reader_ndjson.c).
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
 * Build and run: `tools/fuzz/run --seconds 240 ndjson` (it names the sources and the include
 * folders; see tests/core/data/readers/README.md for a run of record); the binary it
 * builds also runs by hand:
 *   ./fuzz_ndjson -max_total_time=240 -max_len=4096 CORPUS_DIR */
#include "fuzz_reader.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t block = 1 + data[0] % 64;
    data++, size--;
    char *text = malloc(size + 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);

    same_in_any_blocks(pg_read_ndjson_mem, on_record, "fuzz.ndjson", text, size, block);
    free(text);
    return 0;
}
