/* bulletin_summary.h — the 总体情况 paragraph of a bulletin (bulletin_summary.c), internal to
 * core/report/. */
#ifndef PG_BULLETIN_SUMMARY_H
#define PG_BULLETIN_SUMMARY_H

#include "report.h"

/* The 总体情况 of group g, from the model already built (its rows and the units' trends);
 * malloc'd, the caller frees it. */
char *pg_bl_group_summary(const pg_bulletin *b, int g);

#endif
