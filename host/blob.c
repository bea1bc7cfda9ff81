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

void pg_blob_begin(pg_jtext *t)
{
    static const char header[sizeof(pg_blob)];
    t->len = 0;
    pg_jtext_put(t, header, sizeof header);
}

pg_blob *pg_blob_end(pg_jtext *t)
{
    size_t len;
    char *p = pg_jtext_take(t, &len);
    pg_blob *b = pg_xrealloc(p, len + 1); /* its slack back: a large one is moved, not copied */
    b->refs = 1;
    b->len = len - sizeof *b;
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
