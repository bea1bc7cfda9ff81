/* svg_chart.h — the charts of the HTML reports, drawn as inline SVG in C: no script, no
 * library, nothing fetched, so a report renders the same offline, in print and in a mail
 * client. Each function writes one <svg> element sized by its content; every label is
 * escaped. Colours only repeat what the labels and values already say. */
#ifndef PG_SVG_CHART_H
#define PG_SVG_CHART_H

#include <stdio.h>

/* Writes s escaped for XML/HTML text and attribute values. */
void pg_xml_text(FILE *f, const char *s);

/* Horizontal bars, one a row: label, a bar of value on the scale [0, max], the value with
 * `digits` decimals rounded by `mode` (a pg_round_mode: the rule set's rounding_mode) and an
 * optional suffix (a movement mark). `cls` names the bar colour ("bar" or "lost"). NAN values
 * are left out. */
void pg_svg_bars(FILE *f, const char *title, const char *const *labels, const double *values,
                 const char *const *suffix, int n, double max, int digits, int mode,
                 const char *cls);

/* A line of values over periods (NAN: a gap), on [0, max]; `small` draws a compact one for a
 * unit's section. Periods from..to (1-based, 0 for none) are shaded: the months a composite
 * averages. Values are labelled with `digits` decimals rounded by `mode`, as pg_svg_bars. */
void pg_svg_trend(FILE *f, const char *title, const char *const *periods, const double *values,
                  int n, double max, int small, int from, int to, int digits, int mode);

/* The distribution of n values on [0, max]: ten bins of equal width, a column per bin with
 * its count above it and its range below (the last bin includes max). NAN values are left out.
 * For a group too large for a bar per unit. */
void pg_svg_histogram(FILE *f, const char *title, const double *values, int n, double max);

#endif
