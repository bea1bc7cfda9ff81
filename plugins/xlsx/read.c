/* read.c — the XLSX source reader 'xlsx': the rows of one sheet of a workbook as records
 * (plugin.h, "Source readers"), for `pinggu ingest --source cases book.xlsx` and
 * `pinggu ingest --values book.xlsx`; core/data/reader_sheet.c calls it.
 *
 * A workbook is a ZIP of XML parts. They are read with minizip (Debian: libminizip-dev) and
 * expat (libexpat1-dev), never by hand: xl/workbook.xml names the sheets (and says whether
 * serials count from 1900 or 1904), xl/_rels/workbook.xml.rels says which part holds each,
 * xl/sharedStrings.xml holds the text of cells of type "s". The sheet's part is inflated and
 * parsed in 64 KiB pieces, a row at a time, so memory holds one row and the shared strings,
 * not the sheet: it does not grow with the rows.
 *
 * Which sheet: options.sheet when given, else the sheet named after the source ("cases",
 * "values"), else the only sheet; otherwise the read is refused naming the sheets. The first
 * row with a value is the header: each cell names a field, exactly (spaces around it
 * trimmed). A column the request does not declare is refused unless options.extra_columns is
 * "ignore"; a field named twice is refused. Every later row with a value in a declared column
 * is a record; rows without one are skipped (a spreadsheet's blank lines). Merged cells are
 * refused: in the header they hide which column a name belongs to, and in the data every
 * cell of a merge but the first is empty, which would read as null.
 *
 * Cells become the text plugin.h says a field must have:
 *   shared, inline or formula text  as it is (a time field's text is read by pinggu: a date
 *                                   typed as text, "2021-05-20 09:30")
 *   number                          its XML text ("441502", "0.92", "1E-3"); in a time field,
 *                                   an Excel date serial, converted to local date and time
 *                                   ("2021-05-20 09:30:00", ms kept), in the workbook's date
 *                                   system; serials before 1 or after 9999-12-31 are refused
 *   boolean                         "true"/"false" in a bool field, else "TRUE"/"FALSE"
 *   ISO date (t="d")                its text
 *   formula error (#N/A, #DIV/0!)   refused, at its cell; so is a formula whose result was
 *                                   never saved (openpyxl writes them so): unknown, not empty
 *   empty                           null
 * Nothing is rounded or guessed here; whether the text is a value of the declared type is
 * pinggu's to say, at the cell (req.row, req.sheet). */
#include "plugin.h"

#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unzip.h>

#define CHUNK 65536
#define MAX_COLS 16384 /* Excel's columns, A..XFD */

/* ---- growable text ---- */

typedef struct {
    char *p;
    size_t n, cap;
} buf;

static int buf_add(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return -ENOMEM;
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* ---- reading one part of the ZIP through expat ---- */

static int parse_part(unzFile z, const char *part, XML_Parser xp, char *err, size_t errlen)
{
    if (unzLocateFile(z, part, 1) != UNZ_OK) {
        snprintf(err, errlen, "the workbook has no %s", part);
        return -ENOENT;
    }
    if (unzOpenCurrentFile(z) != UNZ_OK) {
        snprintf(err, errlen, "%s: cannot be opened in the ZIP", part);
        return -EIO;
    }
    char *chunk = malloc(CHUNK);
    int rc = chunk ? 0 : -ENOMEM;
    for (;;) {
        if (rc) break;
        int n = unzReadCurrentFile(z, chunk, CHUNK);
        if (n < 0) {
            snprintf(err, errlen, "%s: the ZIP entry is damaged (minizip error %d)", part, n);
            rc = -EIO;
            break;
        }
        if (XML_Parse(xp, chunk, n, n == 0) == XML_STATUS_ERROR) {
            if (XML_GetErrorCode(xp) != XML_ERROR_ABORTED)
                snprintf(err, errlen, "%s:%lu: not well-formed XML: %s", part,
                         (unsigned long)XML_GetCurrentLineNumber(xp),
                         XML_ErrorString(XML_GetErrorCode(xp)));
            rc = -EINVAL;
            break;
        }
        if (n == 0) break;
    }
    /* a CRC mismatch is found when the entry is closed */
    if (unzCloseCurrentFile(z) == UNZ_CRCERROR && rc == 0) {
        snprintf(err, errlen, "%s: the ZIP entry's checksum does not match", part);
        rc = -EIO;
    }
    free(chunk);
    return rc;
}

/* An element's local name: expat is used without namespaces, and writers differ in prefixes
 * ("x:row" from some, "row" from Excel). */
static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **a, const char *name)
{
    for (; a[0]; a += 2)
        if (strcmp(local(a[0]), name) == 0) return a[1];
    return NULL;
}

/* ---- workbook.xml and its relationships ---- */

typedef struct {
    char **names, **rids, **targets; /* targets by sheet, once the rels are read */
    int n;
    int date1904;
    char **rel_ids, **rel_targets;
    int nrels;
    int oom;
} workbook;

static char *xdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void wb_start(void *ud, const char *el, const char **a)
{
    workbook *w = ud;
    const char *e = local(el);
    if (strcmp(e, "sheet") == 0) {
        char **n = realloc(w->names, sizeof(char *) * (size_t)(w->n + 1));
        char **r = n ? realloc(w->rids, sizeof(char *) * (size_t)(w->n + 1)) : NULL;
        if (n) w->names = n;
        if (r) w->rids = r;
        if (!n || !r) {
            w->oom = 1;
            return;
        }
        w->names[w->n] = xdup(attr(a, "name"));
        w->rids[w->n] = xdup(attr(a, "id"));
        w->n++;
    } else if (strcmp(e, "workbookPr") == 0) {
        const char *v = attr(a, "date1904");
        w->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
    } else if (strcmp(e, "Relationship") == 0) {
        char **i = realloc(w->rel_ids, sizeof(char *) * (size_t)(w->nrels + 1));
        char **t = i ? realloc(w->rel_targets, sizeof(char *) * (size_t)(w->nrels + 1)) : NULL;
        if (i) w->rel_ids = i;
        if (t) w->rel_targets = t;
        if (!i || !t) {
            w->oom = 1;
            return;
        }
        w->rel_ids[w->nrels] = xdup(attr(a, "Id"));
        w->rel_targets[w->nrels] = xdup(attr(a, "Target"));
        w->nrels++;
    }
}

static void wb_free(workbook *w)
{
    for (int i = 0; i < w->n; i++) free(w->names[i]), free(w->rids[i]);
    for (int i = 0; i < w->nrels; i++) free(w->rel_ids[i]), free(w->rel_targets[i]);
    free(w->names), free(w->rids), free(w->rel_ids), free(w->rel_targets);
}

/* The ZIP path of sheet i's part: a relationship target is relative to xl/ unless it starts
 * with '/'. NULL when the relationship is missing. */
static char *sheet_part(const workbook *w, int i)
{
    if (!w->rids[i]) return NULL;
    for (int k = 0; k < w->nrels; k++)
        if (w->rel_ids[k] && w->rel_targets[k] && strcmp(w->rel_ids[k], w->rids[i]) == 0) {
            const char *t = w->rel_targets[k];
            size_t n = strlen(t) + 4;
            char *p = malloc(n);
            if (!p) return NULL;
            if (t[0] == '/')
                snprintf(p, n, "%s", t + 1);
            else
                snprintf(p, n, "xl/%s", t);
            return p;
        }
    return NULL;
}

/* ---- sharedStrings.xml: every string in one arena, found by offset ---- */

typedef struct {
    buf text;    /* the strings, each NUL-terminated */
    size_t *off; /* off[i]: where string i starts */
    size_t n, cap;
    int in_si, in_t, in_rph; /* <rPh> (phonetic runs) holds <t> that are not the text */
    int oom;
} sst;

static void sst_start(void *ud, const char *el, const char **a)
{
    (void)a;
    sst *s = ud;
    const char *e = local(el);
    if (strcmp(e, "si") == 0) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            size_t *o = realloc(s->off, sizeof(size_t) * cap);
            if (!o) {
                s->oom = 1;
                return;
            }
            s->off = o, s->cap = cap;
        }
        s->off[s->n] = s->text.n;
        s->in_si = 1;
    } else if (strcmp(e, "rPh") == 0) {
        s->in_rph = 1;
    } else if (strcmp(e, "t") == 0 && s->in_si && !s->in_rph) {
        s->in_t = 1;
    }
}

static void sst_end(void *ud, const char *el)
{
    sst *s = ud;
    const char *e = local(el);
    if (strcmp(e, "si") == 0 && s->in_si) {
        if (buf_add(&s->text, "", 1) != 0) s->oom = 1; /* the terminating NUL, kept */
        s->n++;
        s->in_si = 0;
    } else if (strcmp(e, "rPh") == 0) {
        s->in_rph = 0;
    } else if (strcmp(e, "t") == 0) {
        s->in_t = 0;
    }
}

static void sst_text(void *ud, const char *t, int len)
{
    sst *s = ud;
    if (s->in_t && buf_add(&s->text, t, (size_t)len) != 0) s->oom = 1;
}

/* ---- cells ---- */

/* "C17" → column 2 (0-based) and row 17; returns 0, or -1 when it is not a reference. */
static int cell_ref(const char *r, int *col, long *row)
{
    int c = 0, letters = 0;
    for (; *r >= 'A' && *r <= 'Z'; r++, letters++) c = c * 26 + (*r - 'A' + 1);
    if (letters == 0 || letters > 3 || c > MAX_COLS) return -1;
    char *end;
    long n = strtol(r, &end, 10);
    if (end == r || *end || n < 1) return -1;
    *col = c - 1, *row = n;
    return 0;
}

static void col_name(int col, char out[4])
{
    char tmp[4];
    int n = 0;
    for (col++; col > 0; col = (col - 1) / 26) tmp[n++] = (char)('A' + (col - 1) % 26);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* A date serial as local date and time text. Excel's 1900 system counts 1900-01-01 as 1 and
 * has a 29 February 1900 that never was (serial 60): days from 1899-12-31 below it, from
 * 1899-12-30 above. The 1904 system counts from 1904-01-01 as 0. Returns 0, or -1 with the
 * reason. Milliseconds are rounded once, from the serial's double. */
static int serial_text(double v, int date1904, char *out, size_t n, const char **why)
{
    if (!isfinite(v) || v < (date1904 ? 0 : 1) || v >= 2958466) {
        *why = "a date serial must be from 1 (1900-01-01) to 2958465 (9999-12-31)";
        return -1;
    }
    if (!date1904 && v >= 60 && v < 61) {
        *why = "serial 60 is 29 February 1900, a day Excel counts that never was";
        return -1;
    }
    long long ms = llround(v * 86400000.0);
    long long days = ms / 86400000, msday = ms % 86400000;
    /* days since 1970-01-01 */
    /* days since 1970-01-01: 1904-01-01 is -24107, 1899-12-30 is -25569 */
    long long z = days + (date1904 ? -24107 : v < 60 ? -25568 : -25569);
    /* civil from days (H. Hinnant) */
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = (long long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    int hh = (int)(msday / 3600000), mi = (int)(msday / 60000 % 60), ss = (int)(msday / 1000 % 60),
        mss = (int)(msday % 1000);
    if (msday == 0)
        snprintf(out, n, "%04lld-%02u-%02u", y, m, d);
    else if (mss == 0)
        snprintf(out, n, "%04lld-%02u-%02u %02d:%02d:%02d", y, m, d, hh, mi, ss);
    else
        snprintf(out, n, "%04lld-%02u-%02u %02d:%02d:%02d.%03d", y, m, d, hh, mi, ss, mss);
    return 0;
}

/* ---- the sheet ---- */

typedef struct {
    const pg_plugin_read_req *rq;
    pg_plugin_emit_fn emit;
    void *sink;
    const sst *strings;
    int date1904, ignore_extra;
    const char *sheet_name;
    char err[512];
    int rc;   /* first hard failure (not a bad cell), or emit's non-zero */
    long bad; /* cells reported through rq->bad */
    XML_Parser xp;

    /* where we are */
    int in_data, in_row, in_cell, in_v, in_is, in_is_t, in_rph, has_f;
    long row, next_row; /* the row being read; what an <row> without r= is */
    int col, next_col;
    char type[16]; /* the cell's t= */
    buf v;         /* the cell's <v> or inline text */

    /* the header */
    int have_header;
    long header_row;
    int *field_of; /* per column: the field, -1 not declared, -2 no column yet */
    int ncols;
    char **columns; /* per field: its column letters, NULL when none */

    /* the current record */
    buf *vals; /* per field */
    int *set;
    int any;
    const char **ptrs;
    size_t *lens;
    long records;
} sheet;

static void bad_cell(sheet *s, int col, long row, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void bad_cell(sheet *s, int col, long row, const char *field, const char *fmt, ...)
{
    char cell[32], c[4], why[512];
    col_name(col, c);
    snprintf(cell, sizeof cell, "%s%ld", c, row);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    s->bad++;
    if (s->rq->bad) s->rq->bad(s->sink, cell, field, why);
}

static void fail(sheet *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(sheet *s, int rc, const char *fmt, ...)
{
    if (s->rc) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    s->rc = rc;
    XML_StopParser(s->xp, XML_FALSE);
}

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) (*n)--;
}

/* The header row's cell: the field it names. */
static void header_cell(sheet *s, const char *text, size_t n)
{
    const pg_plugin_read_req *rq = s->rq;
    trim(&text, &n);
    if (n == 0) return; /* an empty header cell: a column nobody uses */
    if (s->col >= s->ncols) {
        int nc = s->col + 1;
        int *f = realloc(s->field_of, sizeof(int) * (size_t)nc);
        if (!f) {
            fail(s, -ENOMEM, "out of memory");
            return;
        }
        for (int i = s->ncols; i < nc; i++) f[i] = -2;
        s->field_of = f, s->ncols = nc;
    }
    int k = -1;
    for (int i = 0; i < rq->nfields && k < 0; i++)
        if (strlen(rq->fields[i].name) == n && memcmp(rq->fields[i].name, text, n) == 0) k = i;
    if (k < 0) {
        s->field_of[s->col] = -1;
        if (!s->ignore_extra)
            bad_cell(s, s->col, s->row, "header",
                     "column \"%.*s\" is not a field of %s (declare it, or extra_columns = "
                     "\"ignore\" on the source to skip undeclared columns)",
                     (int)n, text, rq->source);
        return;
    }
    if (s->columns[k]) {
        bad_cell(s, s->col, s->row, "header", "%s is named twice (column %s too)",
                 rq->fields[k].name, s->columns[k]);
        s->field_of[s->col] = -1;
        return;
    }
    char c[4];
    col_name(s->col, c);
    s->columns[k] = strdup(c);
    s->field_of[s->col] = k;
}

/* A data cell into its field's text. */
static void data_cell(sheet *s)
{
    if (s->col >= s->ncols || s->field_of[s->col] < 0) return; /* not a declared column */
    int k = s->field_of[s->col];
    const pg_plugin_field *f = &s->rq->fields[k];
    const char *t = s->type, *text = s->v.p ? s->v.p : "";
    size_t n = s->v.n;
    char tmp[64];
    if (s->has_f && n == 0) {
        /* a formula whose result was never saved (some writers leave that to Excel): its
         * value is unknown, not empty */
        bad_cell(s, s->col, s->row, f->name,
                 "a formula without a saved result; open and save the workbook in a "
                 "spreadsheet program, or type the value");
        return;
    }
    if (strcmp(t, "s") == 0) {
        char *end;
        unsigned long i = strtoul(text, &end, 10);
        if (end == text || *end || i >= s->strings->n) {
            bad_cell(s, s->col, s->row, f->name, "shared string %s is not in the workbook", text);
            return;
        }
        text = s->strings->text.p + s->strings->off[i];
        n = strlen(text);
    } else if (strcmp(t, "e") == 0) {
        bad_cell(s, s->col, s->row, f->name, "a formula error (%s), not a value", text);
        return;
    } else if (strcmp(t, "b") == 0) {
        int yes = strcmp(text, "1") == 0;
        if (f->type == PG_PF_BOOL)
            text = yes ? "true" : "false";
        else
            text = yes ? "TRUE" : "FALSE";
        n = strlen(text);
    } else if ((strcmp(t, "n") == 0 || !*t) && f->type == PG_PF_TIME && n > 0) {
        char *end;
        double v = strtod(text, &end);
        const char *why = "not a number";
        if (end == text || *end || serial_text(v, s->date1904, tmp, sizeof tmp, &why) != 0) {
            bad_cell(s, s->col, s->row, f->name, "%s: %s", text, why);
            return;
        }
        text = tmp, n = strlen(tmp);
    }
    /* "str", "inlineStr", "d" and plain numbers: the text as it is */
    s->vals[k].n = 0;
    if (buf_add(&s->vals[k], text, n) != 0) {
        fail(s, -ENOMEM, "out of memory");
        return;
    }
    s->set[k] = 1;
    if (n) s->any = 1;
}

static void row_end(sheet *s)
{
    const pg_plugin_read_req *rq = s->rq;
    if (!s->have_header) {
        if (s->ncols == 0) return; /* blank rows before the header */
        s->have_header = 1;
        s->header_row = s->row;
        if (rq->sheet) rq->sheet(s->sink, s->sheet_name, (const char *const *)s->columns);
        return;
    }
    if (s->any) {
        for (int k = 0; k < rq->nfields; k++) {
            s->ptrs[k] = s->set[k] && s->vals[k].n ? s->vals[k].p : NULL;
            s->lens[k] = s->set[k] ? s->vals[k].n : 0;
        }
        if (rq->row) rq->row(s->sink, s->row);
        if (s->bad == 0) { /* after a bad cell, the batch cannot be kept: look, don't emit */
            int rc = s->emit(s->sink, s->ptrs, s->lens);
            if (rc) {
                s->rc = rc;
                XML_StopParser(s->xp, XML_FALSE);
            }
        }
        s->records++;
    }
    for (int k = 0; k < rq->nfields; k++) s->set[k] = 0;
    s->any = 0;
}

static void sh_start(void *ud, const char *el, const char **a)
{
    sheet *s = ud;
    const char *e = local(el);
    if (strcmp(e, "sheetData") == 0) {
        s->in_data = 1;
    } else if (s->in_data && strcmp(e, "row") == 0) {
        const char *r = attr(a, "r");
        long n = r ? strtol(r, NULL, 10) : s->next_row;
        if (n < s->next_row) {
            fail(s, -EINVAL, "row %ld comes after row %ld: the sheet's rows are out of order", n,
                 s->next_row - 1);
            return;
        }
        s->row = n, s->next_row = n + 1, s->next_col = 0, s->in_row = 1;
    } else if (s->in_row && strcmp(e, "c") == 0) {
        const char *r = attr(a, "r"), *t = attr(a, "t");
        int col = s->next_col;
        long row = s->row;
        if (r && (cell_ref(r, &col, &row) != 0 || row != s->row)) {
            fail(s, -EINVAL, "row %ld: cell reference \"%s\" is not in it", s->row, r);
            return;
        }
        s->col = col, s->next_col = col + 1;
        snprintf(s->type, sizeof s->type, "%s", t ? t : "n");
        s->v.n = 0;
        if (s->v.p) s->v.p[0] = '\0';
        s->in_cell = 1;
        s->has_f = 0;
    } else if (s->in_cell && strcmp(e, "f") == 0) {
        s->has_f = 1;
    } else if (s->in_cell && strcmp(e, "v") == 0) {
        s->in_v = 1;
    } else if (s->in_cell && strcmp(e, "is") == 0) {
        s->in_is = 1;
    } else if (s->in_is && strcmp(e, "rPh") == 0) {
        s->in_rph = 1;
    } else if (s->in_is && !s->in_rph && strcmp(e, "t") == 0) {
        s->in_is_t = 1;
    } else if (strcmp(e, "mergeCell") == 0) {
        /* after sheetData: by now every record was read, and returning an error keeps none */
        const char *ref = attr(a, "ref");
        char first[16] = "", last[16] = "";
        if (!ref || sscanf(ref, "%15[A-Z0-9]:%15[A-Z0-9]", first, last) != 2) return;
        int c0, c1;
        long r0, r1;
        if (cell_ref(first, &c0, &r0) != 0 || cell_ref(last, &c1, &r1) != 0) return;
        if (s->have_header && r0 <= s->header_row && r1 >= s->header_row)
            bad_cell(s, c0, r0, "header",
                     "merged header cells %s: each column needs a header cell of its own "
                     "naming its field; unmerge them",
                     ref);
        else if (s->have_header && r1 > s->header_row) {
            int mapped = 0;
            for (int c = c0; c <= c1 && c < s->ncols && !mapped; c++) mapped = s->field_of[c] >= 0;
            if (mapped)
                bad_cell(s, c0, r0, NULL,
                         "merged cells %s: every cell of a merge but the first is empty and "
                         "would read as null; unmerge them and fill each row",
                         ref);
        }
    }
}

static void sh_end(void *ud, const char *el)
{
    sheet *s = ud;
    const char *e = local(el);
    if (strcmp(e, "sheetData") == 0) {
        s->in_data = 0;
    } else if (s->in_row && strcmp(e, "row") == 0) {
        s->in_row = 0;
        row_end(s);
    } else if (s->in_cell && strcmp(e, "c") == 0) {
        s->in_cell = 0;
        if (!s->have_header) {
            const char *text = s->v.p ? s->v.p : "";
            if (strcmp(s->type, "s") == 0) {
                unsigned long i = strtoul(text, NULL, 10);
                text = i < s->strings->n ? s->strings->text.p + s->strings->off[i] : "";
            }
            header_cell(s, text, strlen(text));
        } else {
            data_cell(s);
        }
    } else if (strcmp(e, "v") == 0) {
        s->in_v = 0;
    } else if (strcmp(e, "is") == 0) {
        s->in_is = 0;
    } else if (strcmp(e, "rPh") == 0) {
        s->in_rph = 0;
    } else if (strcmp(e, "t") == 0) {
        s->in_is_t = 0;
    }
}

static void sh_text(void *ud, const char *t, int len)
{
    sheet *s = ud;
    if ((s->in_v || s->in_is_t) && buf_add(&s->v, t, (size_t)len) != 0)
        fail(s, -ENOMEM, "out of memory");
}

static const char *option(const pg_plugin_read_req *rq, const char *name)
{
    for (int i = 0; i < rq->noptions; i++)
        if (strcmp(rq->options[2 * i], name) == 0) return rq->options[2 * i + 1];
    return NULL;
}

/* The sheet to read, or -1 with the reason in err. */
static int pick_sheet(const workbook *w, const pg_plugin_read_req *rq, char *err, size_t errlen)
{
    const char *want = option(rq, "sheet");
    for (int i = 0; i < w->n; i++)
        if (w->names[i] && strcmp(w->names[i], want ? want : rq->source) == 0) return i;
    if (!want && w->n == 1) return 0;
    size_t len = 0;
    char list[512] = "";
    for (int i = 0; i < w->n && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                                w->names[i] ? w->names[i] : "?");
    if (want)
        snprintf(err, errlen, "the workbook has no sheet named '%s' (it has: %s)", want, list);
    else
        snprintf(err, errlen,
                 "the workbook has %d sheets (%s) and none is named '%s': name the sheet to read "
                 "(FILE.xlsx#SHEET)",
                 w->n, list, rq->source);
    return -1;
}

static int xlsx_check(const pg_plugin_read_req *rq, char *err, size_t errlen)
{
    for (int i = 0; i < rq->noptions; i++) {
        const char *k = rq->options[2 * i], *v = rq->options[2 * i + 1];
        if (strcmp(k, "sheet") == 0) continue;
        if (strcmp(k, "extra_columns") == 0 && (strcmp(v, "ignore") == 0 || !strcmp(v, "error")))
            continue;
        snprintf(err, errlen,
                 "option %s = \"%s\" is not one the xlsx reader takes (sheet, "
                 "extra_columns = \"error\" or \"ignore\")",
                 k, v);
        return -EINVAL;
    }
    if (!rq->location || !*rq->location) {
        snprintf(err, errlen, "no workbook named (xlsx:FILE.xlsx)");
        return -EINVAL;
    }
    return 0;
}

int pg_xlsx_read(const pg_plugin_read_req *rq, pg_plugin_emit_fn emit, void *sink, char *about,
                 size_t aboutlen, char *err, size_t errlen);
int pg_xlsx_read(const pg_plugin_read_req *rq, pg_plugin_emit_fn emit, void *sink, char *about,
                 size_t aboutlen, char *err, size_t errlen)
{
    int rc = xlsx_check(rq, err, errlen);
    if (rc) return rc;
    const char *path = rq->location;
    unzFile z = unzOpen64(path);
    if (!z) {
        FILE *f = fopen(path, "rb");
        if (f) fclose(f);
        snprintf(err, errlen, "%s: %s", path,
                 f ? "not an XLSX workbook (not a ZIP archive)" : strerror(errno));
        return f ? -EINVAL : -ENOENT;
    }
    workbook w = {0};
    sst strings = {0};
    sheet s = {0};
    char *part = NULL;
    XML_Parser xp = XML_ParserCreate(NULL);
    XML_SetUserData(xp, &w);
    XML_SetElementHandler(xp, wb_start, NULL);
    rc = parse_part(z, "xl/workbook.xml", xp, err, errlen);
    XML_ParserFree(xp);
    if (rc == 0) {
        xp = XML_ParserCreate(NULL);
        XML_SetUserData(xp, &w);
        XML_SetElementHandler(xp, wb_start, NULL);
        rc = parse_part(z, "xl/_rels/workbook.xml.rels", xp, err, errlen);
        XML_ParserFree(xp);
    }
    if (rc == 0 && w.oom) rc = -ENOMEM, snprintf(err, errlen, "out of memory");
    int which = rc == 0 ? pick_sheet(&w, rq, err, errlen) : -1;
    if (rc == 0 && which < 0) rc = -EINVAL;
    if (rc == 0 && !(part = sheet_part(&w, which))) {
        snprintf(err, errlen, "sheet '%s': the workbook says no part holds it", w.names[which]);
        rc = -EINVAL;
    }
    /* shared strings: optional (a workbook of inline strings and numbers has none) */
    if (rc == 0 && unzLocateFile(z, "xl/sharedStrings.xml", 1) == UNZ_OK) {
        xp = XML_ParserCreate(NULL);
        XML_SetUserData(xp, &strings);
        XML_SetElementHandler(xp, sst_start, sst_end);
        XML_SetCharacterDataHandler(xp, sst_text);
        rc = parse_part(z, "xl/sharedStrings.xml", xp, err, errlen);
        XML_ParserFree(xp);
        if (rc == 0 && strings.oom) rc = -ENOMEM, snprintf(err, errlen, "out of memory");
    }
    if (rc) goto out;

    snprintf(about, aboutlen, "%s!%s", path, w.names[which]);
    s.rq = rq, s.emit = emit, s.sink = sink, s.strings = &strings, s.date1904 = w.date1904;
    const char *extra = option(rq, "extra_columns");
    s.ignore_extra = extra && strcmp(extra, "ignore") == 0;
    s.sheet_name = w.names[which];
    s.next_row = 1;
    s.columns = calloc((size_t)rq->nfields + 1, sizeof(char *));
    s.vals = calloc((size_t)rq->nfields + 1, sizeof(buf));
    s.set = calloc((size_t)rq->nfields + 1, sizeof(int));
    s.ptrs = calloc((size_t)rq->nfields + 1, sizeof(char *));
    s.lens = calloc((size_t)rq->nfields + 1, sizeof(size_t));
    if (!s.columns || !s.vals || !s.set || !s.ptrs || !s.lens) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    s.xp = xp = XML_ParserCreate(NULL);
    XML_SetUserData(xp, &s);
    XML_SetElementHandler(xp, sh_start, sh_end);
    XML_SetCharacterDataHandler(xp, sh_text);
    char perr[512] = "";
    rc = parse_part(z, part, xp, perr, sizeof perr);
    XML_ParserFree(xp);
    if (s.rc) { /* a failure of ours, or emit stopped us */
        rc = s.rc;
        if (rc < 0) snprintf(err, errlen, "%s!%s: %s", path, s.sheet_name, s.err);
    } else if (rc) {
        snprintf(err, errlen, "%s: %s", path, perr);
    } else if (!s.have_header) {
        snprintf(err, errlen,
                 "%s!%s: the sheet is empty: its first row with a value must name "
                 "the fields",
                 path, s.sheet_name);
        rc = -EINVAL;
    } else if (s.bad) {
        snprintf(err, errlen, "%ld bad cell%s", s.bad, s.bad == 1 ? "" : "s");
        rc = -EINVAL;
    }
out:
    if (s.columns)
        for (int k = 0; k < rq->nfields; k++) free(s.columns[k]);
    if (s.vals)
        for (int k = 0; k < rq->nfields; k++) free(s.vals[k].p);
    free(s.columns), free(s.vals), free(s.set), free(s.ptrs), free(s.lens), free(s.field_of);
    free(s.v.p);
    free(part);
    free(strings.text.p), free(strings.off);
    wb_free(&w);
    unzClose(z);
    return rc;
}

int pg_xlsx_check(const pg_plugin_read_req *rq, char *err, size_t errlen);
int pg_xlsx_check(const pg_plugin_read_req *rq, char *err, size_t errlen)
{
    return xlsx_check(rq, err, errlen);
}
