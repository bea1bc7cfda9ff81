/* rank.h — ranking the units of a scored result within their groups (rank.c). */
#ifndef PG_RANK_H
#define PG_RANK_H

#include "result.h"

/* Ranks each group of res (competition or dense, then tie-breakers) and sets bands. */
void pg_rank_assign(pg_result *res);
/* The ranked units of group g in display order, terminated by -1; malloc'd. */
int *pg_result_group_order(const pg_result *res, int g);

#endif
