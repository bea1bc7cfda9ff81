/* svg_chart.c — bar and trend charts as inline SVG (svg_chart.h).
 *
 * Coordinates are computed here in user units with a viewBox, so the browser scales the chart
 * to the column width on screen and on A4 alike. Text uses the page's font (CSS inherits into
 * inline SVG), so Chinese labels render with the same Noto CJK face as the tables. */
#include "svg_chart.h"
#include "base.h"

#include <math.h>
#include <string.h>

void pg_xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
}

/* Display width of a UTF-8 label in "em halves": CJK counts 2, ASCII 1. */
static int label_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if ((*p & 0xC0) != 0x80) w += *p >= 0xE0 ? 2 : 1;
    return w;
}

/* A value as the rule set rounds it (mode: a pg_round_mode). */
static double fig(double v, int digits, int mode)
{
    return pg_round_as(v, digits, (pg_round_mode)mode);
}

void pg_svg_bars(FILE *f, const char *title, const char *const *labels, const double *values,
                 const char *const *suffix, int n, double max, int digits, int mode,
                 const char *cls)
{
    const int row = 20, top = 6, W = 700;
    int lw = 0, rows = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(values[i])) continue;
        int w = label_width(labels[i]);
        if (w > lw) lw = w;
        rows++;
    }
    if (!rows) return;
    int x0 = lw * 6 + 10, x1 = W - 90;
    if (max <= 0) max = 1;
    int H = top * 2 + rows * row;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
    pg_xml_text(f, title);
    fputs("\"><title>", f);
    pg_xml_text(f, title);
    fputs("</title>\n", f);
    for (int i = 0, y = top; i < n; i++) {
        if (!isfinite(values[i])) continue;
        double v = values[i] < 0 ? 0 : values[i] > max ? max : values[i];
        double w = (x1 - x0) * v / max;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", x0 - 6,
                y + row - 6);
        pg_xml_text(f, labels[i]);
        fprintf(f, "</text><rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>",
                cls, x0, y + 3, w, row - 6);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"val\">%.*f", x0 + w + 4, y + row - 6, digits,
                fig(values[i], digits, mode));
        if (suffix && suffix[i]) {
            fputc(' ', f);
            pg_xml_text(f, suffix[i]);
        }
        fputs("</text>\n", f);
        y += row;
    }
    fputs("</svg>\n", f);
}

void pg_svg_trend(FILE *f, const char *title, const char *const *periods, const double *values,
                  int n, double max, int small, int from, int to, int digits, int mode)
{
    int W = small ? 480 : 700, H = small ? 140 : 220;
    int l = 34, r = 10, t = 10, b = 22;
    if (n < 1) return;
    if (max <= 0) max = 100;
    double step = n > 1 ? (double)(W - l - r) / (n - 1) : 0;
#define X(i) (l + step * (i) + (n > 1 ? 0 : (W - l - r) / 2.0))
#define Y(v) (t + (H - t - b) * (1 - (v) / max))
    fprintf(f, "<svg class=\"chart%s\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            small ? " small" : "", W, H);
    pg_xml_text(f, title);
    fputs("\"><title>", f);
    pg_xml_text(f, title);
    fputs("</title>\n", f);
    if (from > 0 && to >= from && to <= n)
        fprintf(f, "<rect class=\"avg\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>\n",
                X(from - 1) - step / 2, t, step * (to - from + 1), H - t - b);
    for (int k = 0; k <= 4; k++) {
        double v = max * k / 4;
        fprintf(f,
                "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                l, W - r, Y(v), Y(v), l - 4, Y(v) + 4, v);
    }
    for (int i = 0; i < n; i++) {
        /* month labels as "5月" when the period is YYYY-MM */
        const char *p = periods[i];
        const char *m = strlen(p) == 7 ? p + 5 : p;
        fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", X(i), H - 6);
        pg_xml_text(f, m[0] == '0' ? m + 1 : m);
        fputs(strlen(p) == 7 ? "月</text>" : "</text>", f);
    }
    fputs("\n<path class=\"line\" d=\"", f);
    int pen = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(values[i])) {
            pen = 0;
            continue;
        }
        fprintf(f, "%c%.1f %.1f ", pen ? 'L' : 'M', X(i), Y(values[i]));
        pen = 1;
    }
    fputs("\"/>\n", f);
    for (int i = 0; i < n; i++) {
        if (!isfinite(values[i])) continue;
        fprintf(f, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\"><title>", X(i),
                Y(values[i]), small ? 2 : 3);
        pg_xml_text(f, periods[i]);
        fprintf(f, ": %.*f</title></circle>", digits, fig(values[i], digits, mode));
        if (!small) {
            fprintf(f,
                    "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>",
                    X(i), Y(values[i]) - 6, digits, fig(values[i], digits, mode));
        }
    }
    fputs("\n</svg>\n", f);
#undef X
#undef Y
}

void pg_svg_histogram(FILE *f, const char *title, const double *values, int n, double max)
{
    enum { BINS = 10 };
    const int W = 700, H = 200, l = 34, r = 10, t = 18, b = 22;
    int count[BINS] = {0}, top = 0;
    if (max <= 0) max = 100;
    for (int i = 0; i < n; i++) {
        if (!isfinite(values[i])) continue;
        int k = (int)floor(values[i] / max * BINS);
        k = k < 0 ? 0 : k >= BINS ? BINS - 1 : k;
        if (++count[k] > top) top = count[k];
    }
    if (!top) return;
    double w = (double)(W - l - r) / BINS;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
    pg_xml_text(f, title);
    fputs("\"><title>", f);
    pg_xml_text(f, title);
    fputs("</title>\n", f);
    for (int k = 0; k < BINS; k++) {
        double h = (double)(H - t - b) * count[k] / top, x = l + w * k;
        fprintf(f,
                "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
                "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>"
                "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g–%g</text>\n",
                x + 2, H - b - h, w - 4, h, x + w / 2, H - b - h - 4, count[k], x + w / 2, H - 6,
                max * k / BINS, max * (k + 1) / BINS);
    }
    fputs("</svg>\n", f);
}
