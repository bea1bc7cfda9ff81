/* fuzz_csv.c — libFuzzer target for the CSV reader (core/data/reader_csv.c).
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
 * Build and run: `tools/fuzz/run --seconds 240 csv` (it names the sources and the include
 * folders; see tests/core/data/readers/README.md for a run of record); the binary it
 * builds also runs by hand:
 *   ./fuzz_csv -max_total_time=240 -max_len=4096 CORPUS_DIR */
#include "fuzz_reader.h"

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

    same_in_any_blocks(pg_read_csv_mem, on_record, "fuzz.csv", text, hl + size, block);
    free(text);
    return 0;
}
