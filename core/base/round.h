/* round.h — decimal rounding (round.c). */
#ifndef PG_ROUND_H
#define PG_ROUND_H

/* Rounds half away from zero at `digits` decimals, tolerating binary representation error
 * (2.675 → 2.68). */
double pg_round(double x, int digits);

#endif
