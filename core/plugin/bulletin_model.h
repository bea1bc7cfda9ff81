/* bulletin_model.h — the document model of a bulletin (月度通报) or a year report (年终考核,
 * 年度综合评分): what `pinggu report` writes as HTML, CSV, JSON, and what exporter plugins get.
 *
 * pg_bulletin_build() evaluates the scheme once (plus the months before it, for the trends),
 * and assembles everything a reader sees into plain C data: per group the ranking table
 * (排名, 单位, 总分, each part, 环比, movement, band), the units not ranked, the units with no
 * business, the biggest improvements; per unit the points it lost (indicator, max, got, lost,
 * why, the data behind it), its monthly trend and, for a scheme of schemes, how the composite
 * was computed. Renderers only lay this out, so the formats can never disagree.
 *
 * The model is plain data with no pointers into the rule set, and this header includes nothing
 * of the core: a plugin (plugin.h) compiles against it alone. Its layout is part of the plugin
 * ABI — change it and bump PG_PLUGIN_ABI. Numbers that do not exist are NAN. Strings are UTF-8
 * and unescaped; every renderer escapes for its own format. */
#ifndef PG_BULLETIN_MODEL_H
#define PG_BULLETIN_MODEL_H

typedef struct {
    const char *id, *name;
    double weight;
    const char *scheme; /* a scheme-of-schemes part: the scheme it aggregates, else NULL */
    const char *scheme_name;
    int month_from, month_to; /* the months averaged; 0 when the whole period */
} pg_bl_part;

typedef struct {
    int rank;             /* within the group */
    int unit;             /* index into pg_bulletin.units */
    double total;         /* rounded */
    const double *parts;  /* nparts part scores */
    int prev_rank;        /* 0 when there is none */
    double change;        /* 环比: total minus the previous total */
    const char *movement; /* "up", "down", "same" or "new" */
    const char *mark;     /* the same without colour: "↑2", "↓1", "=", "新" */
    const char *band;     /* NULL when the rule set has no bands */
} pg_bl_row;

/* A unit listed on its own: not ranked (reason "no_business", "no_data" or "error"), or with
 * indicators that had no business this period (indicators: their names, "、"-separated). */
typedef struct {
    int unit;
    const char *reason;
    const char *indicators;
} pg_bl_aside;

typedef struct {
    const char *id, *name;
    pg_bl_row *rows; /* rank order */
    int nrows;
    pg_bl_aside *unranked;
    int nunranked;
    pg_bl_aside *no_business;
    int nno_business;
    int *improved; /* indexes into rows: the biggest positive changes, biggest first */
    int nimproved;
} pg_bl_group;

/* One indicator on which a unit lost points. max and got are on the indicator's own scale;
 * lost is on its part's scale ((max − got) × weight, the weight carrying rescaling), so the
 * lost points of a part add up to what the unit lost on it. */
typedef struct {
    const char *indicator, *name;
    int part; /* index into pg_bulletin.parts */
    double max, got, weight, lost;
    const char *status; /* ok missing na carried no_business not_submitted error veto */
    const char *why;    /* status, note and the scoring rule in words */
    const char *metric, *metric_name;
    double value, n;
    const char *value_text; /* the value in the metric's unit ("77.48%"), or NULL */
    const char *doc;        /* link to the indicator's documentation: doc/<group>.html#ind-<id> */
} pg_bl_lost;

typedef struct {
    const char *id, *name, *code;
    int group; /* index into pg_bulletin.groups */
    int rank;  /* 0 when not ranked */
    double total;
    const char *band, *mark;
    double change;
    const double *parts; /* nparts */
    pg_bl_lost *lost;    /* biggest first */
    int nlost;
    const double *trend;   /* ntrend totals of the trend scheme, NAN where none */
    const char *composite; /* scheme of schemes: "85.10 × 0.4 + 88.20 × 0.6 = 87.36", else NULL */
    const char *note;
} pg_bl_unit;

typedef struct pg_bulletin {
    const char *title;
    const char *ruleset_id, *ruleset_name, *revision;
    const char *scheme_id, *scheme_name;
    const char *period, *previous_period; /* previous_period NULL when there is none */
    const char *basename;                 /* "<scheme>-<period>": the output files' stem */
    int year_report;                      /* a year scheme: year end or annual */
    int rounding;
    double max;
    pg_bl_part *parts;
    int nparts;
    pg_bl_group *groups;
    int ngroups;
    pg_bl_unit *units;
    int nunits;
    const char *trend_scheme; /* the monthly scheme the trends show, NULL when none */
    const char **trend_periods;
    int ntrend;
    const char *composite; /* the composite formula in words, NULL unless scheme of schemes */
    void *priv;            /* the allocations, for pg_bulletin_free */
} pg_bulletin;

#endif
