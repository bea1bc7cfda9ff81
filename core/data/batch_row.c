/* batch_row.c — a batch as a row of table batch and as JSON (the API's batch list, the audit
 * log's before and after), and where its raw copy lives. Below batch.c and keyset.c, which
 * both read batch rows. */
#include "batch_row.h"
#include "base.h"

#include <string.h>

char *pg_batch_raw_path(const char *datadir, const pg_batch *b)
{
    return pg_xasprintf("%s/batches/raw/%s.%s", datadir, b->id, b->format);
}

void pg_batch_clear(pg_batch *b)
{
    free(b->source), free(b->file), free(b->format), free(b->ingested_at), free(b->actor);
    memset(b, 0, sizeof *b);
}

void pg_batch_list_free(pg_batch *b, int n)
{
    for (int i = 0; i < n; i++) pg_batch_clear(&b[i]);
    free(b);
}

void pg_batch_copy(pg_batch *to, const pg_batch *from)
{
    *to = *from;
    to->source = pg_xstrdup(from->source ? from->source : "");
    to->file = pg_xstrdup(from->file ? from->file : "");
    to->format = pg_xstrdup(from->format ? from->format : "");
    to->ingested_at = pg_xstrdup(from->ingested_at ? from->ingested_at : "");
    to->actor = pg_xstrdup(from->actor ? from->actor : "");
}

void pg_batch_set_status(pg_batch *b, const char *status)
{
    snprintf(b->status, sizeof b->status, "%s", status);
    b->active = strcmp(status, "active") == 0;
}

/* A row of SELECT PG_BATCH_COLS. */
void pg_batch_from_row(pg_batch *b, sqlite3_stmt *s)
{
    memset(b, 0, sizeof *b);
#define TXT(i) ((const char *)sqlite3_column_text(s, i) ?: "")
    snprintf(b->id, sizeof b->id, "%s", TXT(0));
    b->source = pg_xstrdup(TXT(1));
    b->file = pg_xstrdup(TXT(2));
    b->format = pg_xstrdup(TXT(3));
    b->records = (long)sqlite3_column_int64(s, 4);
    b->duplicates = (long)sqlite3_column_int64(s, 5);
    b->actor = pg_xstrdup(TXT(6));
    b->ingested_at = pg_xstrdup(TXT(7));
    pg_batch_set_status(b, TXT(8));
    snprintf(b->replaced_by, sizeof b->replaced_by, "%s", TXT(9));
    b->shadowed = (long)sqlite3_column_int64(s, 10);
    b->seq = (long)sqlite3_column_int64(s, 11);
    b->keys_gen = (long)sqlite3_column_int64(s, 12);
#undef TXT
}

cJSON *pg_batch_json(const pg_batch *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", b->id);
    cJSON_AddStringToObject(o, "source", b->source ? b->source : "");
    cJSON_AddStringToObject(o, "file", b->file ? b->file : "");
    cJSON_AddStringToObject(o, "format", b->format ? b->format : "");
    cJSON_AddNumberToObject(o, "records", (double)b->records);
    cJSON_AddNumberToObject(o, "duplicates", (double)b->duplicates);
    if (b->shadowed) cJSON_AddNumberToObject(o, "shadowed", (double)b->shadowed);
    if (b->actor) cJSON_AddStringToObject(o, "actor", b->actor);
    if (b->ingested_at) cJSON_AddStringToObject(o, "ingested_at", b->ingested_at);
    cJSON_AddStringToObject(o, "status", b->status[0] ? b->status : "active");
    if (b->replaced_by[0]) cJSON_AddStringToObject(o, "replaced_by", b->replaced_by);
    return o;
}
