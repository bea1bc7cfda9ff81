/* result.h — the result of evaluating one scheme for one period (eval.h), ranked (rank.h):
 * per unit its total, rank and band; per (indicator, unit) a cell with the value scored, the
 * points, the maximum, the rescaling into its part and the status; the notes that trace
 * every decision; for a scheme of schemes, the results it aggregated.
 *
 * A result borrows its rule set, which must outlive it. */
#ifndef PG_RESULT_H
#define PG_RESULT_H

#include "authenticity.h"
#include "dataset.h"
#include "ruleset.h"

typedef enum {
    PG_ST_OK,
    PG_ST_MISSING,       /* no value, scored 0 (policy zero) */
    PG_ST_NA,            /* dropped: not applicable to this unit */
    PG_ST_CARRIED,       /* value carried forward from an earlier period */
    PG_ST_NO_BUSINESS,   /* dropped: no business this period */
    PG_ST_NOT_SUBMITTED, /* no value, scored 0 (policy not_submitted) */
    PG_ST_ERROR,         /* a custom function failed; scored 0 */
    PG_ST_VETO,          /* a veto item triggered */
    PG_ST_OFF            /* the node does not apply to the unit's group */
} pg_status;

typedef struct {
    double value;     /* raw value scored; NAN if none */
    double n;         /* its sample size; NAN if not given */
    double points;    /* on the node's own scale; NAN when dropped or off */
    double max;       /* the node's points for the unit's group */
    double weight;    /* factor from this node's points to its part's (rescaling); 0 if dropped */
    int carried_from; /* period code, when carried forward */
    unsigned char status;
    unsigned char capped; /* a cap or clamp changed the points */
    int note;             /* index into pg_result.notes, or -1 */
} pg_cell;

typedef struct {
    int ranked;       /* has a total and a rank */
    double total;     /* rounded to the rule set's digits */
    double raw_total; /* before rounding */
    int rank;         /* 0 when not ranked */
    int position;     /* 1-based display order within the group (ties by code, id); 0 if unranked */
    int prev_rank;    /* 0 when there is none */
    double prev_total; /* NAN when there is none */
    int band;          /* index into rs->bands, or -1 */
    int veto_node;     /* the veto item that fixed the total, or -1 */
    int tie_breaker;   /* index into rs->tie_breakers that separated it from a tie, or -1 */
    int errors;        /* indicators that failed */
    int clamped;       /* the total was clamped to [0, max] */
    int note;          /* index into notes (e.g. a composite failure), or -1 */
} pg_unit_result;

/* An upheld appeal (申诉) applied to one unit's indicator: what was granted and what the
 * indicator's bounds let through. */
typedef struct {
    int unit, node;
    long id;        /* the appeal's id in the store */
    double granted; /* the adjustment decided */
    double applied; /* what it changed: 0 on an indicator not scored this period */
    char *reason;
} pg_appeal_applied;

typedef struct pg_result {
    const pg_ruleset *rs;
    int scheme, period;
    pg_unit_result *units; /* rs->nunits */
    double *parts;         /* rs->nunits × nparts, NAN where a part is dropped */
    pg_cell *cells;        /* rs->nnodes × rs->nunits (node-major); NULL for a scheme of schemes */
    char **notes;
    int nnotes;
    int has_prev;           /* the previous period could be evaluated */
    struct pg_result **sub; /* scheme of schemes: the results aggregated, nsub of them */
    int nsub;
    int *sub_part;              /* for each sub result, the part it feeds */
    pg_appeal_applied *appeals; /* upheld appeals applied, in node then unit order */
    int nappeals;
    pg_auth_flag *flags; /* every unit's authenticity flags in the period (tree schemes) */
    int nflags;
} pg_result;

void pg_result_free(pg_result *res);

static inline pg_cell *pg_result_cell(const pg_result *res, int node, int unit)
{
    return &res->cells[(size_t)node * (size_t)res->rs->nunits + (size_t)unit];
}
static inline double pg_result_part(const pg_result *res, int unit, int part)
{
    return res->parts[(size_t)unit * (size_t)res->rs->schemes[res->scheme].nparts + (size_t)part];
}
const char *pg_status_name(pg_status s);
const char *pg_result_note(const pg_result *res, int note);

/* Points the unit lost on the node, on its part's scale: (max − points) × weight. 0 where
 * the node is dropped or does not apply; on a bonus/penalty item, the penalty taken. */
double pg_result_lost(const pg_result *res, int node, int unit);
/* The nodes of the scheme's trees, parents before children in display order. Returns the
 * count; *out is malloc'd. */
int pg_scheme_preorder(const pg_ruleset *rs, const pg_scheme *s, int **out);

#endif
