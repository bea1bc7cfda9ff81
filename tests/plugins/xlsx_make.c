/* xlsx_make.c — writes the workbooks the xlsx reader's tests read (tests/plugins/xlsx.lua),
 * with libxlsxwriter: the rows of CSV files, each column written as the cell type a spec
 * letter says, so that one CSV can be sent as the kinds of cells an office's workbook holds.
 *
 *   xlsx_make [--const] OUT.xlsx SHEET=IN.csv=SPEC [--merge RANGE] [SHEET=IN.csv=SPEC ...]
 *
 * SPEC has a letter per column: t text (a shared string; an inline string with --const,
 * libxlsxwriter's constant_memory mode, the one for big sheets), n number (text where the
 * field is not one), b boolean ("true",
 * "false"), d a time ("YYYY-MM-DDTHH:MM:SS" with Z, +HH:MM or local; text if not one) written as an
 * Excel date serial of Shanghai's local time (UTC+8) with a date format. An empty CSV field is a
 * blank cell; an empty CSV line a blank row. --merge RANGE=TEXT merges RANGE ("A1:B1") of the sheet
 * before it, TEXT in its first cell. The CSV is split on commas (the generator's files quote
 * nothing); the first line is written like the others. --rows N repeats the last sheet's data rows
 * until it has N of them (the memory measurement's million-row sheet). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

static int cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, char type, const char *v,
                lxw_format *date)
{
    if (!*v) return 0;
    switch (type) {
    case 'n': { /* a number where the text is one (some units are named, not coded) */
        char *end;
        double x = strtod(v, &end);
        if (!*end) return worksheet_write_number(ws, r, c, x, NULL);
        return worksheet_write_string(ws, r, c, v, NULL);
    }
    case 'b':
        return worksheet_write_boolean(ws, r, c, !strcmp(v, "true") || !strcmp(v, "1"), NULL);
    case 'd': {
        struct tm tm = {0};
        const char *end = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end) end = strptime(v, "%Y-%m-%d %H:%M:%S", &tm);
        int oh = 0, om = 0, off = 8 * 3600; /* the written time's offset; none: local */
        if (end && *end == 'Z' && !end[1])
            off = 0;
        else if (end && (*end == '+' || *end == '-') && sscanf(end + 1, "%d:%d", &oh, &om) == 2)
            off = (*end == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        else if (!end || *end) /* not a time: text, as a clerk would type it */
            return worksheet_write_string(ws, r, c, v, NULL);
        time_t t = timegm(&tm) + 8 * 3600 - off;
        /* days from 1899-12-30 (serials above 60) */
        double serial = (double)t / 86400.0 + 25569.0;
        return worksheet_write_number(ws, r, c, serial, date);
    }
    default:
        return worksheet_write_string(ws, r, c, v, NULL);
    }
}

static void sheet(lxw_workbook *wb, const char *arg, const char *merge, long rows, lxw_format *date)
{
    char *a = strdup(arg), *eq = strchr(a, '='), *eq2 = eq ? strchr(eq + 1, '=') : NULL;
    if (!eq || !eq2) {
        fprintf(stderr, "xlsx_make: SHEET=IN.csv=SPEC, not %s\n", arg);
        exit(2);
    }
    *eq = *eq2 = '\0';
    const char *name = a, *path = eq + 1, *spec = eq2 + 1;
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    char line[65536];
    lxw_row_t r = 0;
    char **body = NULL;
    long nbody = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (r > 0 && *line) {
            body = realloc(body, sizeof(char *) * (size_t)(nbody + 1));
            body[nbody++] = strdup(line);
        }
        char *p = line;
        for (lxw_col_t c = 0; *line; c++) {
            char *comma = strchr(p, ',');
            if (comma) *comma = '\0';
            /* the header row is always text */
            cell(ws, r, c, r == 0 ? 't' : (c < strlen(spec) ? spec[c] : 't'), p, date);
            if (!comma) break;
            p = comma + 1;
        }
        r++;
    }
    fclose(f);
    for (long i = 0; nbody && (long)r <= rows; i++, r++) {
        strcpy(line, body[i % nbody]);
        char *p = line;
        for (lxw_col_t c = 0;; c++) {
            char *comma = strchr(p, ',');
            if (comma) *comma = '\0';
            cell(ws, r, c, c < strlen(spec) ? spec[c] : 't', p, date);
            if (!comma) break;
            p = comma + 1;
        }
    }
    for (long i = 0; i < nbody; i++) free(body[i]);
    free(body);
    if (merge) {
        lxw_row_t r0, r1;
        lxw_col_t c0, c1;
        char m[256];
        snprintf(m, sizeof m, "%s", merge);
        char *colon = strchr(m, ':'), *text = strchr(m, '=');
        *colon = '\0';
        if (text) *text++ = '\0';
        r0 = lxw_name_to_row(m), c0 = lxw_name_to_col(m);
        r1 = lxw_name_to_row(colon + 1), c1 = lxw_name_to_col(colon + 1);
        worksheet_merge_range(ws, r0, c0, r1, c1, text ? text : "", NULL);
    }
    free(a);
}

int main(int argc, char **argv)
{
    int i = 1;
    lxw_workbook_options o = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    if (i < argc && strcmp(argv[i], "--const") == 0) o.constant_memory = LXW_TRUE, i++;
    if (i + 1 >= argc) {
        fputs("usage: xlsx_make [--const] OUT.xlsx SHEET=IN.csv=SPEC [--merge RANGE] "
              "[--rows N] ...\n",
              stderr);
        return 2;
    }
    lxw_workbook *wb = workbook_new_opt(argv[i++], &o);
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd hh:mm:ss");
    while (i < argc) {
        const char *s = argv[i++], *merge = NULL;
        long rows = 0;
        for (;;) {
            if (i + 1 < argc && strcmp(argv[i], "--merge") == 0)
                merge = argv[i + 1], i += 2;
            else if (i + 1 < argc && strcmp(argv[i], "--rows") == 0)
                rows = atol(argv[i + 1]), i += 2;
            else
                break;
        }
        sheet(wb, s, merge, rows, date);
    }
    lxw_error e = workbook_close(wb);
    if (e) {
        fprintf(stderr, "xlsx_make: %s\n", lxw_strerror(e));
        return 1;
    }
    return 0;
}
