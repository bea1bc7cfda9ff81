/* blob.c — reference-counted immutable byte strings (see blob.h). */
#include "blob.h"

#include "base.h"

#include <string.h>

pg_blob *pg_blob_new(const void *p, size_t len)
{
    pg_blob *b = pg_xmalloc(sizeof *b + len + 1);
    b->refs = 1;
    b->len = len;
    if (p)
        memcpy(b->data, p, len);
    else
        memset(b->data, 0, len);
    b->data[len] = '\0';
    return b;
}

pg_blob *pg_blob_str(const char *s)
{
    return pg_blob_new(s, strlen(s));
}

pg_blob *pg_blob_ref(pg_blob *b)
{
    b->refs++;
    return b;
}

void pg_blob_unref(pg_blob *b)
{
    if (b && --b->refs == 0) free(b);
}
