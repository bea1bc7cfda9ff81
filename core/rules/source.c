/* source.c — lookups on a declared source. */
#include "rules.h"

#include <string.h>

int pg_source_field(const pg_source *src, const char *name, int len)
{
    for (int i = 0; i < src->nfields; i++)
        if ((int)strlen(src->fields[i].name) == len && memcmp(src->fields[i].name, name, len) == 0)
            return i;
    return -1;
}
