/* round.c — rounding half away from zero at a number of decimals: how pinggu rounds a total,
 * a part and every figure a document prints, so that what is ranked and what is read agree. */
#include "base.h"

#include <float.h>
#include <math.h>

double pg_round(double x, int digits)
{
    if (!isfinite(x)) return x;
    /* A few units in the last place absorb the binary error of the scaling (2.675 * 100 is
     * 267.49999999999997) without moving any value that is really below the half. */
    double p = pow(10, digits), y = fabs(x) * p;
    double r = floor(y + 0.5 + 8 * DBL_EPSILON * fmax(y, 1));
    return copysign(r / p, x);
}
