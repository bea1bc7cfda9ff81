/* round.c — rounding at a number of decimals (half away from zero unless a rule set says
 * half to even or toward zero): how pinggu rounds a total,
 * a part and every figure a document prints, so that what is ranked and what is read agree.
 * And the text of a value in a message (pg_num_text): every digit it needs to be told apart
 * from its neighbours, since a message that refuses 1.0000001 must not call it 1. */
#include "base.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double pg_round_as(double x, int digits, pg_round_mode mode)
{
    if (!isfinite(x)) return x;
    /* A few units in the last place absorb the binary error of the scaling (2.675 * 100 is
     * 267.49999999999997) without moving any value that is really below the half. */
    double p = pow(10, digits), y = fabs(x) * p, eps = 8 * DBL_EPSILON * fmax(y, 1);
    double r = floor(y + 0.5 + eps);
    if (mode == PG_ROUND_TRUNCATE)
        r = floor(y + eps);
    else if (mode == PG_ROUND_HALF_EVEN && fabs(y - floor(y + eps) - 0.5) <= eps)
        r = floor(y + eps) + fmod(floor(y + eps), 2); /* at the half: to the even neighbour */
    return copysign(r / p, x);
}

double pg_round(double x, int digits)
{
    return pg_round_as(x, digits, PG_ROUND_HALF_AWAY);
}

const char *pg_num_text(double v, char buf[PG_NUM_BUF])
{
    /* the first precision that reads back exactly; 17 significant digits always do */
    for (int p = 6; p <= 17; p++) {
        snprintf(buf, PG_NUM_BUF, "%.*g", p, v);
        if (!isfinite(v) || strtod(buf, NULL) == v) break;
    }
    return buf;
}
