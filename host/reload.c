/* reload.c — the rule set directories the host serves, and their new generations: what triggers
 * them, building them off the loop, the swap, the audit of what changed, and the status the
 * API reports.
 *
 * Each directory holds one year's rules (2021, 2022, …); a period is evaluated with the rules of
 * its year, so re-running a 2021 month after the 2022 rules are live still uses the 2021 rules.
 * Directories reload independently: each has its own watcher and its own attempts.
 *
 * A trigger (start-up, the watcher, SIGHUP, POST /rules/reload) starts one attempt; triggers
 * that arrive while it runs fold into one more attempt after it, because the files may have
 * changed after the running attempt took its snapshot. Only an attempt without errors swaps
 * its generation in; the old one keeps serving otherwise, and the errors (file:line) go to the
 * log and to GET /rules/status. A generation that would move its directory onto a year another
 * directory serves is refused the same way. A swap logs every change in words (the semantic diff
 * of core/rules/rulediff.c: indicators, points, weights, methods, policies, metrics, groups,
 * units, schemes, caps), records it in the audit log with who asked, and re-scores its year's
 * periods evaluated so far; until a re-score finishes, the API serves the previous results,
 * which name the revision that produced them.
 *
 * Effective dating (issue 17 §2). A rule set may say `effective = "2021-07"` (ruleset.lua): its
 * rules govern that sampling month onward, and the months before keep the rules in force then.
 * So each directory keeps a *chain* of generations, oldest first, each governing the months from
 * its `from` up to the next one's; the newest is the current generation, which also evaluates
 * the yearly schemes. A swap makes the new generation the chain's last link from its effective
 * month, dropping the links it covers (the directory's files are the rules from then on); no
 * `effective` means January: the whole year, as before. The first generation a host knows for a
 * year governs the months before its effective month too: there are no older rules to keep.
 * Only the cached periods whose generation changed are re-scored (pg_rescore_changed): a July
 * change leaves January–June alone. Why a chain of whole generations rather than per-month
 * weights: a month is then evaluated exactly as it was before the change (same snapshot, same
 * Lua, same data loading), which per-month overrides could not promise for anything beyond
 * weights. The chain is durable: DATA/rules/chain-<year>.json names each link's snapshot, and a
 * restart loads the earlier links from DATA/rules/<content>/, refusing to start when one cannot
 * be loaded rather than evaluate those months with other rules. A swap whose effective month
 * is at or before a published bulletin's month says so (log, rules/status `frozen`, and the
 * audit entry): those bulletins stay as published until a correction re-publishes them, which
 * uses the month's generation (publish.c).
 *
 * The audit log. One `rules.swap` entry per swap (object rules/<year>) holds the revisions
 * before and after, the whole list of changes, the effective month, the chain and the frozen
 * bulletins, so one entry reads as one edit and GET
 * /rules/changes lists edits, not fragments of them. Points and part weights also keep their
 * own `rules.weight` entry each (object rules/<year>/<id>), as before the semantic diff, for
 * the readers that query them. A failed attempt is recorded as `rules.reload_failed` with its
 * first errors (file:line), once per distinct error, as the log says it. Who: the token's name
 * or `operator:SIGHUP`; for a save the watcher saw, the author found by attrib.c (git, or the
 * file's owner), `rules:watch` only when neither is known.
 *
 * Failed attempts and their retries. An attempt fails for one of two reasons, and they are
 * retried differently:
 *   - the rules have errors (a syntax error, a year another directory serves): the same files
 *     fail the same way, so nothing is retried; the watcher tries again when the author saves.
 *   - the environment failed: the snapshot in DATA/rules/ could not be written (the directory
 *     is unwritable or not a directory, the disk is full) or the job did not run. Nothing the
 *     author does fixes that and the watcher may never report again, so the attempt is retried
 *     after a delay that starts at reload.retry_ms (1 s) and doubles at each consecutive failure
 *     up to reload.retry_max_ms (5 min). Why these numbers: 1 s is long enough that a retry never
 *     spins (the old behaviour forced the watcher to report again at once, tens of thousands
 *     of attempts a second, each logged, filling the disk that was full already) and short
 *     enough that a blip costs the author nothing; doubling reaches the cap in 9 attempts
 *     (8.5 min), after which an outage of a day costs under 300 attempts, and an operator who
 *     frees the disk waits at most 5 min — or sends SIGHUP.
 * A new trigger (an edit the watcher reports, SIGHUP, the API) is tried at once, whatever retry
 * is pending: the author should not wait out a backoff. It does not reset the count, though, so
 * edits during an outage do not restart the backoff at 1 s. Only a successful attempt resets it.
 * The log says each distinct error once (result=rejected, with failures=N); the same error again
 * is counted, not logged, except at the 2nd, 4th, 8th… repeat (repeated=N), and a success after
 * failures logs result=recovered with the count. GET /rules/status shows failures, the error,
 * its repeats and the next retry. */
#include "host.h"
#include "log.h"
#include "render.h"
#include "reply.h"
#include "attrib.h"
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    pg_job job;
    pg_rules *set;
    char *dir, *datadir;
    long id;
    pg_budget ceiling;
    char *before;     /* the served generation's snapshot, to attribute a watched edit; or NULL */
    char *actor;      /* who made the edit (attrib.h), or NULL */
    char *asked;      /* who asked for this attempt, taken when it starts: a trigger arriving
                         while it runs (the watcher seeing the same save) must not rename it */
    char content[65]; /* of the files the attempt read */
    pg_gen *gen;      /* built */
    int rc;           /* pg_gen_build's: -EIO when the snapshot could not be written */
    pg_diags d;
} reload_job;

static void build(pg_job *j)
{
    reload_job *r = (reload_job *)j;
    r->rc = pg_gen_build(r->dir, r->datadir, r->id, r->ceiling, r->content, &r->gen, &r->d);
    if (r->before) r->actor = pg_attribute(r->dir, r->before);
}

/* The newest year's generation stands for the host where one rule set must: the units, the
 * tokens' unit ids, the clock's time zone. */
static void elect_newest(pg_host *h)
{
    h->gen = NULL;
    for (int i = 0; i < h->nrules; i++)
        if (h->rules[i]->gen && (!h->gen || h->rules[i]->year > h->gen->rs->year))
            h->gen = h->rules[i]->gen;
}

/* --- the chain of a year's generations by month ------------------------------------------ */

/* DATA/rules/chain-<year>.json: the links of `year`'s chain, so that a restart evaluates the
 * months before a change with the rules that were in force then, not with the directory's
 * rules of today (which would silently re-score them). */
static char *chain_path(const pg_host *h, int year)
{
    return pg_xasprintf("%s/rules/chain-%d.json", h->cfg.data_dir, year);
}

/* Writes the chain file whole (temporary file, fsync, rename): a crash leaves the old one or
 * the new one. A failure is logged: the generations serve on, but a restart would only know
 * the current one. */
static void chain_write(pg_rules *set)
{
    pg_host *h = set->h;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "year", set->year);
    cJSON_AddStringToObject(o, "directory", set->dir);
    cJSON *a = cJSON_AddArrayToObject(o, "chain");
    for (int k = 0; k < set->nchain; k++) {
        cJSON *l = cJSON_CreateObject();
        char from[16];
        snprintf(from, sizeof from, "%d-%02d", set->year, set->chain[k].from);
        cJSON_AddStringToObject(l, "from", from);
        cJSON_AddStringToObject(l, "content", set->chain[k].gen->content);
        cJSON_AddStringToObject(l, "revision", set->chain[k].gen->rs->revision);
        cJSON_AddItemToArray(a, l);
    }
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    char *path = chain_path(h, set->year), *tmp = pg_xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0) ok = 0;
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) {
        pg_log(PG_LOG_ERROR, "rules", "chain", path, "error", strerror(errno), "effect",
               "a restart will evaluate every month of the year with the current rules", NULL);
        unlink(tmp);
    }
    free(text), free(path), free(tmp);
}

/* The month `g` governs from: its `effective`; without one January (the whole year), or, with
 * reload.effective = "open_month", the sampling month open now by the host's clock (month M
 * closes at 24:00 on the 25th, base.h), so an office that wants saved edits to leave closed
 * months alone need not ask every author for `effective`. Returns 0, or -1 with a located error
 * when that default falls after the rules' year: every month is closed, and the author must say
 * from when (a silent choice would change closed months, or none). */
static int effective_of(const pg_host *h, const pg_gen *g, int *from, pg_diags *d)
{
    const pg_ruleset *rs = g->rs;
    *from = rs->effective ? rs->effective : 1;
    if (rs->effective || !h->cfg.effective_open_month) return 0;
    int64_t local = pg_host_now(h) + rs->tz_offset;
    long day = (long)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
    int y, m, dd;
    pg_civil_from_days(day, &y, &m, &dd);
    if (dd > 25 && ++m > 12) m = 1, y++;
    if (y < rs->year) return 0;
    if (y == rs->year) {
        *from = m;
        return 0;
    }
    pg_error(d, rs->file, rs->line,
             "ruleset: no effective month, and reload.effective = \"open_month\" would make these "
             "rules govern from %d-%02d, after %d: every month of %d is closed; say from when, "
             "e.g. effective = \"%d-12\", or \"%d-01\" for the whole year",
             y, m, rs->year, rs->year, rs->year, rs->year);
    return -1;
}

/* Makes `g` the chain's newest link, from its effective month: the links from that month on
 * are replaced (the directory's files are the rules from then on), the earlier ones stay.
 * The first link of a year governs every month before it as well: there are no older rules
 * to keep. Returns the first month whose rules changed. */
static int chain_push(pg_rules *set, pg_gen *g, int from)
{
    if (set->nchain && set->chain[0].gen->rs->year != g->rs->year) { /* another year: anew */
        for (int k = 0; k < set->nchain; k++) pg_gen_unref(set->chain[k].gen);
        set->nchain = 0;
    }
    while (set->nchain && set->chain[set->nchain - 1].from >= from)
        pg_gen_unref(set->chain[--set->nchain].gen);
    if (!set->nchain) from = 1;
    set->chain = pg_xrealloc(set->chain, sizeof *set->chain * (size_t)(set->nchain + 1));
    set->chain[set->nchain++] = (pg_link){pg_gen_ref(g), from};
    return from;
}

/* The JSON of an open file, which it closes; NULL when it is not JSON. */
static cJSON *read_json(FILE *f)
{
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char buf[4096];
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + n + 1 > cap) text = pg_xrealloc(text, cap = (len + n + 1) * 2);
        memcpy(text + len, buf, n), len += n;
    }
    fclose(f);
    cJSON *o = NULL;
    if (text) {
        text[len] = 0;
        o = cJSON_Parse(text);
    }
    free(text);
    return o;
}

/* Start-up: when the chain file's newest link is `cur`'s very files, the month it governed
 * from, else 0. A rule set that relies on reload.effective's default keeps the month it was
 * saved for across restarts, instead of the month open at the restart (which would hand the
 * months between back to the older rules). */
static int chain_kept_from(const pg_rules *set, const pg_gen *cur)
{
    char *path = chain_path(set->h, cur->rs->year);
    FILE *f = fopen(path, "rb");
    free(path);
    cJSON *o = f ? read_json(f) : NULL;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "chain");
    const cJSON *last = cJSON_IsArray(a) ? cJSON_GetArrayItem(a, cJSON_GetArraySize(a) - 1) : NULL;
    const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last, "from"));
    const char *content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last, "content"));
    int p = from ? pg_period_parse(from) : -1, kept = 0;
    if (content && strcmp(content, cur->content) == 0 && p > 0 && !pg_period_is_year(p) &&
        pg_period_year(p) == cur->rs->year)
        kept = p % 100;
    cJSON_Delete(o);
    return kept;
}

/* Start-up: the links of the chain file that precede `cur`'s effective month, loaded from their
 * snapshots, so the months they govern keep their rules across the restart. A chain file that
 * cannot be read, or a snapshot it names that cannot be loaded, is an error (file and why):
 * serving those months with other rules would change numbers without anyone having asked. */
static int chain_restore(pg_rules *set, const pg_gen *cur, int cur_from, pg_diags *d)
{
    pg_host *h = set->h;
    char *path = chain_path(h, cur->rs->year);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int rc = errno == ENOENT ? 0 : -errno;
        if (rc) pg_error(d, path, 0, "cannot read the chain of generations: %s", strerror(errno));
        free(path);
        return rc;
    }
    cJSON *o = read_json(f);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "chain");
    int rc = 0;
    if (!cJSON_IsArray(a)) {
        pg_error(d, path, 0,
                 "not a chain of generations: expected {\"chain\": [{\"from\": "
                 "\"YYYY-MM\", \"content\": \"…\"}]}; remove it to serve the whole "
                 "year with the current rules");
        rc = -EINVAL;
    }
    const cJSON *l = rc ? NULL : a->child;
    for (; l; l = l->next) {
        const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "from"));
        const char *content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "content"));
        int p = from ? pg_period_parse(from) : -1;
        if (p < 0 || pg_period_is_year(p) || pg_period_year(p) != cur->rs->year || !content ||
            strlen(content) != 64 || strspn(content, "0123456789abcdef") != 64) {
            pg_error(d, path, 0,
                     "a link of the chain is not {\"from\": \"%d-MM\", \"content\": "
                     "\"<64 hex digits>\"}; remove the file to serve the whole year with the "
                     "current rules",
                     cur->rs->year);
            rc = -EINVAL;
            break;
        }
        if (p % 100 >= cur_from) break; /* the current rules govern it now */
        if (strcmp(content, cur->content) == 0) continue;
        pg_gen *g = NULL;
        pg_budget ceiling = {h->cfg.lua_instructions, (size_t)h->cfg.lua_memory_mb << 20};
        pg_diags ld = {0};
        if (pg_gen_open(h->cfg.data_dir, content, set->dir, ++h->gens, ceiling, &g, &ld) != 0) {
            pg_error(d, path, 0,
                     "the rules in force from %s (snapshot %.12s) cannot be loaded: %s; "
                     "those months would be evaluated with other rules",
                     from, content, ld.n ? ld.v[0].msg : "?");
            pg_diags_free(&ld);
            rc = -EINVAL;
            break;
        }
        pg_diags_free(&ld);
        chain_push(set, g, p % 100);
        pg_gen_unref(g);
    }
    cJSON_Delete(o);
    free(path);
    return rc;
}

/* After the chain of `set` changed from month `from`: the published bulletins it would change,
 * kept for rules/status and warned of in the log (the audit entry of the swap lists them). */
static void note_frozen(pg_rules *set, int from)
{
    cJSON_Delete(set->frozen);
    set->frozen = pg_host_published_from(set->h, set->year, from, set->gen->content);
    char fromtxt[16];
    snprintf(fromtxt, sizeof fromtxt, "%d-%02d", set->year, from);
    for (const cJSON *b = set->frozen ? set->frozen->child : NULL; b; b = b->next)
        pg_log(PG_LOG_WARN, "rules", "effective", fromtxt, "published",
               cJSON_GetObjectItem(b, "period")->valuestring, "scheme",
               cJSON_GetObjectItem(b, "scheme")->valuestring, "warning",
               "the new rules govern a published month: the bulletin stays as published until "
               "a correction re-publishes it",
               NULL);
}

/* The chain as rules/status and the audit show it: [{from, revision, generation}]. */
static cJSON *chain_json(const pg_rules *set)
{
    cJSON *a = cJSON_CreateArray();
    for (int k = 0; k < set->nchain; k++) {
        cJSON *l = cJSON_CreateObject();
        char from[16];
        snprintf(from, sizeof from, "%d-%02d", set->year, set->chain[k].from);
        cJSON_AddStringToObject(l, "from", from);
        cJSON_AddStringToObject(l, "revision", set->chain[k].gen->rs->revision);
        cJSON_AddNumberToObject(l, "generation", (double)set->chain[k].gen->id);
        cJSON_AddItemToArray(a, l);
    }
    return a;
}

/* Another directory that serves `year`, or NULL. */
static const pg_rules *year_taken(const pg_host *h, const pg_rules *self, int year)
{
    for (int i = 0; i < h->nrules; i++)
        if (h->rules[i] != self && h->rules[i]->gen && h->rules[i]->year == year)
            return h->rules[i];
    return NULL;
}

static void answer(pg_host *h, pg_reload_wait **v, int n, int failed)
{
    for (int i = 0; i < n; i++) {
        pg_reload_wait *w = v[i];
        w->failed += failed;
        if (--w->pending > 0) continue;
        if (w->cb)
            w->cb(w->arg, w->failed > 0);
        else
            pg_reply_json(w->req, w->failed ? 422 : 200, pg_reload_status(h));
        free(w);
    }
    free(v);
}

/* The `rules.weight` entry of a changed points or part weight, as it was before the semantic
 * diff: object rules/<year>/<indicator> or rules/<year>/scheme <id>, before and after
 * {"group"|"part", "points"|"weight"}. */
static void audit_weight(pg_host *h, const pg_rules *set, const pg_rule_change *c,
                         const char *actor, pg_diags *d)
{
    int scheme = strcmp(c->kind, "weight") == 0;
    char *object;
    const char *part = c->part;
    if (scheme) {
        const char *slash = strchr(c->id, '/');
        object = pg_xasprintf("rules/%d/scheme %.*s", set->year, (int)(slash - c->id), c->id);
        part = slash + 1;
    } else {
        object = pg_xasprintf("rules/%d/%s", set->year, c->id);
    }
    cJSON *side[2];
    const char *v[2] = {c->before, c->after};
    for (int k = 0; k < 2; k++) {
        side[k] = cJSON_CreateObject();
        cJSON_AddStringToObject(side[k], scheme ? "part" : "group", part);
        if (v[k])
            cJSON_AddNumberToObject(side[k], scheme ? "weight" : "points", strtod(v[k], NULL));
        else
            cJSON_AddNullToObject(side[k], scheme ? "weight" : "points");
    }
    char *before = cJSON_PrintUnformatted(side[0]), *after = cJSON_PrintUnformatted(side[1]);
    pg_audit_append(h->store, actor, "rules.weight", object, before, after, d);
    free(before), free(after), free(object);
    cJSON_Delete(side[0]), cJSON_Delete(side[1]);
}

/* Logs and audits the swap from `old` to `cur`, in one transaction: either the whole set of
 * changes is on record or, if the store fails, the log says so. */
static void record_swap(pg_host *h, pg_rules *set, const pg_gen *old, const pg_gen *cur,
                        const char *actor)
{
    pg_rule_change *ch;
    int n = pg_rulediff(old->rs, cur->rs, &ch);
    pg_diags d = {0};
    char *object = pg_xasprintf("rules/%d", set->year);
    char *before =
        pg_xasprintf("{\"revision\":\"%s\",\"content\":\"%s\"}", old->rs->revision, old->content);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "revision", cur->rs->revision);
    cJSON_AddStringToObject(a, "content", cur->content);
    cJSON_AddStringToObject(a, "trigger", set->last.trigger);
    cJSON_AddItemToObject(a, "changes", pg_rule_changes_json(ch, n));
    char from[16];
    snprintf(from, sizeof from, "%d-%02d", set->year, set->chain[set->nchain - 1].from);
    cJSON_AddStringToObject(a, "effective", from);
    cJSON_AddItemToObject(a, "chain", chain_json(set));
    cJSON_AddItemToObject(a, "frozen",
                          set->frozen ? cJSON_Duplicate(set->frozen, 1) : cJSON_CreateArray());
    char *after = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    int rc = pg_store_begin(h->store, &d);
    if (rc == 0) rc = pg_audit_append(h->store, actor, "rules.swap", object, before, after, &d);
    for (int i = 0; i < n; i++) {
        pg_log(PG_LOG_INFO, "rules", "change", ch[i].text, "kind", ch[i].kind, "revision",
               cur->rs->revision, NULL);
        int weight = strcmp(ch[i].kind, "points") == 0 || strcmp(ch[i].kind, "weight") == 0;
        if (rc == 0 && weight) audit_weight(h, set, &ch[i], actor, &d);
    }
    if (rc == 0 && d.errors == 0) rc = pg_store_commit(h->store, &d);
    if (rc != 0 || d.errors) {
        pg_store_rollback(h->store);
        pg_log(PG_LOG_ERROR, "audit", "event", "rules.swap", "error", d.n ? d.v[d.n - 1].msg : "?",
               NULL);
    }
    pg_rule_changes_free(ch, n);
    free(object), free(before), free(after);
    pg_diags_free(&d);
}

/* The `rules.reload_failed` entry of a failed attempt: object rules/<year>, after {trigger,
 * content, serving, errors: its first 5 errors [{file, line, message}], total}. */
static void record_failure(pg_host *h, const pg_rules *set, const reload_job *r,
                           const char *trigger, const char *actor)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "trigger", trigger);
    pg_json_str(a, "content", r->content[0] ? r->content : NULL);
    pg_json_str(a, "serving", set->gen ? set->gen->rs->revision : NULL);
    cJSON_AddItemToObject(a, "errors", pg_reply_diags_json(&r->d, PG_ERROR, 5));
    cJSON_AddNumberToObject(a, "total", r->d.errors);
    char *after = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    char *object = set->year ? pg_xasprintf("rules/%d", set->year) : pg_xasprintf("rules");
    pg_diags d = {0};
    if (pg_audit_append(h->store, actor, "rules.reload_failed", object, NULL, after, &d) != 0)
        pg_log(PG_LOG_ERROR, "audit", "event", "rules.reload_failed", "error",
               d.n ? d.v[d.n - 1].msg : "?", NULL);
    free(after), free(object);
    pg_diags_free(&d);
}

static void start(pg_rules *set);
static void request_one(pg_rules *set, const char *trigger, const char *actor, pg_reload_wait *w);

#define RETRY_MS 1000u       /* reload.retry_ms: the first retry's delay */
#define RETRY_MAX_MS 300000u /* reload.retry_max_ms: the cap */

static void on_retry(uv_timer_t *t)
{
    pg_rules *set = t->data;
    set->backoff.delay_ms = 0, set->backoff.retry_at = 0;
    char *actor = set->reload_actor ? pg_xstrdup(set->reload_actor) : NULL;
    request_one(set, "retry", actor, NULL);
    free(actor);
}

static void cancel_retry(pg_rules *set)
{
    pg_reload_backoff *b = &set->backoff;
    if (b->timer_on) uv_timer_stop(&b->timer);
    b->delay_ms = 0, b->retry_at = 0;
}

/* The delay before the retry after `failures` consecutive failures: base·2^(failures−1), capped. */
static unsigned retry_delay(const pg_host *h, int failures)
{
    uint64_t base = h->cfg.retry_ms ? h->cfg.retry_ms : RETRY_MS;
    uint64_t cap = h->cfg.retry_max_ms ? h->cfg.retry_max_ms : RETRY_MAX_MS;
    if (cap < base) cap = base;
    uint64_t ms = base;
    for (int i = 1; i < failures && ms < cap; i++) ms *= 2;
    return (unsigned)(ms < cap ? ms : cap);
}

/* The attempt's errors as one line: what tells one failure from another. */
static char *error_line(const pg_diags *d)
{
    char *line = pg_xstrdup("");
    for (int i = 0; i < d->n; i++) {
        if (d->v[i].sev != PG_ERROR) continue;
        char *next;
        if (d->v[i].file && d->v[i].line)
            next = pg_xasprintf("%s%s%s:%d: %s", line, *line ? "; " : "", d->v[i].file,
                                d->v[i].line, d->v[i].msg);
        else if (d->v[i].file)
            next = pg_xasprintf("%s%s%s: %s", line, *line ? "; " : "", d->v[i].file, d->v[i].msg);
        else
            next = pg_xasprintf("%s%s%s", line, *line ? "; " : "", d->v[i].msg);
        free(line);
        line = next;
    }
    return line;
}

/* Counts a failed attempt, logs it if its error is new (or at a power-of-two repeat), and
 * schedules the retry when the environment failed. */
static void failed(pg_rules *set, const reload_job *r, const char *trigger, int environment,
                   const char *actor)
{
    pg_host *h = set->h;
    pg_reload_backoff *b = &set->backoff;
    b->failures++;
    memcpy(b->watched, set->watched, sizeof b->watched);
    cancel_retry(set);
    if (environment && !h->stopping) {
        if (!b->timer_on) {
            uv_timer_init(h->loop, &b->timer);
            b->timer.data = set;
            b->timer_on = 1;
        }
        b->delay_ms = retry_delay(h, b->failures);
        b->retry_at = pg_host_now(h) + (b->delay_ms + 999) / 1000;
        uv_timer_start(&b->timer, on_retry, b->delay_ms, 0);
    }
    char *line = error_line(&r->d);
    int same = b->error && strcmp(b->error, line) == 0;
    if (same) {
        free(line);
        b->repeats++;
        if (b->repeats & (b->repeats - 1)) return; /* logged at 1, 2, 4, 8, … repeats */
    } else {
        free(b->error);
        b->error = line;
        b->repeats = 0;
        record_failure(h, set, r, trigger, actor);
    }
    char failures[16], repeated[16], retry[24];
    snprintf(failures, sizeof failures, "%d", b->failures);
    snprintf(repeated, sizeof repeated, "%d", b->repeats);
    snprintf(retry, sizeof retry, "%ums", b->delay_ms);
    for (int i = 0; i < r->d.n; i++)
        if (r->d.v[i].sev == PG_ERROR) {
            char where[32];
            snprintf(where, sizeof where, "%d", r->d.v[i].line);
            pg_log(PG_LOG_ERROR, "reload", "result", "rejected", "trigger", trigger, "file",
                   r->d.v[i].file, "line", r->d.v[i].line ? where : NULL, "error", r->d.v[i].msg,
                   "serving", set->gen ? set->gen->rs->revision : "nothing", "failures", failures,
                   "repeated", same ? repeated : NULL, "retry_in",
                   b->delay_ms ? retry : "after the next edit", NULL);
            if (same) break; /* a reminder: the first error stands for the rest */
        }
}

/* An attempt succeeded: the failures before it end. */
static void recovered(pg_rules *set)
{
    pg_reload_backoff *b = &set->backoff;
    if (!b->failures) return;
    char failures[16];
    snprintf(failures, sizeof failures, "%d", b->failures);
    pg_log(PG_LOG_INFO, "reload", "result", "recovered", "trigger", set->last.trigger, "failures",
           failures, "error", b->error, NULL);
    cancel_retry(set);
    b->failures = 0, b->repeats = 0;
    free(b->error), b->error = NULL;
}

static void built(pg_job *j)
{
    reload_job *r = (reload_job *)j;
    pg_rules *set = r->set;
    pg_host *h = set->h;
    pg_reload_attempt *a = &set->last;
    if (j->error) pg_error(&r->d, NULL, 0, "%s", j->error);
    const pg_rules *clash = r->gen ? year_taken(h, set, r->gen->rs->year) : NULL;
    if (clash)
        pg_error(&r->d, r->dir, 0, "the rules are for %d, which %s already serves", clash->year,
                 clash->dir);
    int from = 1, late = r->gen && !clash && effective_of(h, r->gen, &from, &r->d) != 0;
    cJSON_Delete(a->errors), cJSON_Delete(a->warnings);
    a->ok = r->gen && !clash && !late;
    a->errors = pg_reply_diags_json(&r->d, PG_ERROR, 50);
    a->nerrors = r->d.errors;
    a->warnings = pg_reply_diags_json(&r->d, PG_WARNING, 50);
    a->ms = (double)(j->finished_ns - j->queued_ns) / 1e6;
    a->gen_id = 0;
    char ms[32];
    snprintf(ms, sizeof ms, "%.1f", a->ms);
    h->n.reloads++;
    /* who: the author of a watched edit when attrib.c found one, else whoever asked */
    const char *actor = r->actor ? r->actor : r->asked ? r->asked : "host";
    if (a->ok) recovered(set);
    if (!a->ok) {
        h->n.reload_errors++;
        failed(set, r, a->trigger, j->error || r->rc == -EIO, actor);
        pg_gen_unref(r->gen);
    } else if (set->gen && strcmp(set->gen->content, r->gen->content) == 0) {
        /* the same files: nothing to swap */
        a->gen_id = set->gen->id;
        pg_log(PG_LOG_INFO, "reload", "result", "unchanged", "trigger", a->trigger, "revision",
               set->gen->rs->revision, NULL);
        pg_gen_unref(r->gen);
    } else {
        pg_gen *old = set->gen;
        set->gen = r->gen;
        set->year = set->gen->rs->year;
        from = chain_push(set, set->gen, from);
        chain_write(set);
        note_frozen(set, from);
        elect_newest(h);
        a->gen_id = set->gen->id;
        char gen[24], warn[16];
        snprintf(gen, sizeof gen, "%ld", set->gen->id);
        snprintf(warn, sizeof warn, "%d", set->gen->warnings);
        pg_log(PG_LOG_INFO, "reload", "result", "swapped", "trigger", a->trigger, "generation", gen,
               "revision", set->gen->rs->revision, "previous", old ? old->rs->revision : NULL,
               "warnings", warn, "ms", ms, NULL);
        if (old) {
            record_swap(h, set, old, set->gen, actor);
            pg_gen_unref(old);
            /* the workers keep the rule sets of every link: earlier months still use them */
            int nkeep = 0;
            for (int i = 0; i < h->nrules; i++) nkeep += h->rules[i]->nchain;
            const pg_gen **keep = pg_xmalloc(sizeof *keep * (size_t)(nkeep ? nkeep : 1));
            nkeep = 0;
            for (int i = 0; i < h->nrules; i++)
                for (int k = 0; k < h->rules[i]->nchain; k++)
                    keep[nkeep++] = h->rules[i]->chain[k].gen;
            pg_pool_trim(h->pool, keep, nkeep);
            free(keep);
            pg_rescore_changed(h, set->year, "reload");
        }
    }
    memcpy(a->content, r->content, sizeof a->content);
    /* The watcher reported content W; the attempt read the files a little later. If they were
     * changed in between and then put back to W, the watcher has nothing new to report and the
     * host would keep what it read: make the watcher report again. Not when the attempt read
     * nothing (no content: the snapshot failed): that is the retry's to repeat, and forcing
     * the watcher would repeat it at once, forever. */
    if (set->watch && set->watched[0] && r->content[0] && strcmp(r->content, set->watched) != 0 &&
        !set->reload_again) {
        pg_watch_forget(set->watch);
        pg_watch_rescan(set->watch);
    }
    pg_diags_free(&r->d);
    free(r->dir), free(r->datadir), free(r->before), free(r->actor), free(r->asked), free(r);
    set->reloading = 0;
    pg_reload_wait **w = set->waiters;
    int nw = set->nwaiters;
    set->waiters = NULL, set->nwaiters = 0;
    answer(h, w, nw, !a->ok);
    if (set->reload_again && !h->stopping) {
        set->reload_again = 0;
        set->waiters = set->next, set->nwaiters = set->nnext;
        set->next = NULL, set->nnext = 0;
        start(set);
        return;
    }
    for (int i = 0; i < set->nnext; i++) /* shutting down: the next attempt will not run */
        if (--set->next[i]->pending == 0) {
            if (set->next[i]->cb)
                set->next[i]->cb(set->next[i]->arg, 1);
            else
                pg_reply_error(set->next[i]->req, 503, "the host is shutting down");
            free(set->next[i]);
        }
    free(set->next);
    set->next = NULL, set->nnext = 0;
}

static void start(pg_rules *set)
{
    pg_host *h = set->h;
    reload_job *r = pg_xcalloc(1, sizeof *r);
    r->set = set;
    r->dir = pg_xstrdup(set->dir);
    r->datadir = pg_xstrdup(h->cfg.data_dir);
    r->id = ++h->gens;
    r->asked = set->reload_actor ? pg_xstrdup(set->reload_actor) : NULL;
    r->ceiling = (pg_budget){h->cfg.lua_instructions, (size_t)h->cfg.lua_memory_mb << 20};
    /* a save the watcher saw: find its author, off the loop, against the files now served */
    if (set->gen && set->reload_trigger && strcmp(set->reload_trigger, "watch") == 0)
        r->before = pg_xstrdup(set->gen->snapshot);
    r->job.work = build;
    r->job.done = built;
    r->job.deadline_ms = h->cfg.job_deadline_ms; /* its load stops at the load deadline */
    r->job.what = "reload";
    cancel_retry(set); /* this attempt is the retry, or comes before it */
    set->reloading = 1;
    free(set->last.trigger);
    set->last.trigger = pg_xstrdup(set->reload_trigger ? set->reload_trigger : "api");
    set->last.at = pg_host_now(h);
    pg_pool_submit(h->pool, &r->job);
}

static void request_one(pg_rules *set, const char *trigger, const char *actor, pg_reload_wait *w)
{
    free(set->reload_trigger), free(set->reload_actor);
    set->reload_trigger = pg_xstrdup(trigger);
    set->reload_actor = actor ? pg_xstrdup(actor) : NULL;
    if (w) {
        pg_reload_wait ***list = set->reloading ? &set->next : &set->waiters;
        int *n = set->reloading ? &set->nnext : &set->nwaiters;
        *list = pg_xrealloc(*list, sizeof **list * (size_t)(*n + 1));
        (*list)[(*n)++] = w;
        w->pending++;
    }
    if (set->reloading)
        set->reload_again = 1;
    else
        start(set);
}

void pg_reload_request(pg_host *h, int year, const char *trigger, const char *actor,
                       pg_http_req *req)
{
    if (h->stopping) {
        if (req) pg_reply_error(req, 503, "the host is shutting down");
        return;
    }
    pg_reload_wait *w = req ? pg_xcalloc(1, sizeof *w) : NULL;
    if (w) w->req = req;
    int started = 0;
    for (int i = 0; i < h->nrules; i++)
        if (!year || h->rules[i]->year == year)
            request_one(h->rules[i], trigger, actor, w), started++;
    if (w && !started) {
        pg_reply_error(req, 404, "no rule set directory serves %d", year);
        free(w);
    }
}

int pg_reload_request_cb(pg_host *h, int year, const char *trigger, const char *actor,
                         void (*cb)(void *arg, int failed), void *arg)
{
    if (h->stopping) return -ECANCELED;
    for (int i = 0; i < h->nrules; i++)
        if (h->rules[i]->year == year) {
            pg_reload_wait *w = pg_xcalloc(1, sizeof *w);
            w->cb = cb, w->arg = arg;
            request_one(h->rules[i], trigger, actor, w);
            return 0;
        }
    return -ENOENT;
}

static void on_watch(void *ctx, const char *hash)
{
    pg_rules *set = ctx;
    memcpy(set->watched, hash, sizeof set->watched);
    /* a dashboard edit's own renames: it requests the reload with its author once written */
    if (set->edit_hold) return;
    if (!set->reloading) {
        /* in step: the first scan reports what the running generation was built from */
        if (set->gen && strcmp(set->gen->content, hash) == 0 && set->last.ok) return;
        /* this very content failed last time: wait for the author's next save */
        if (!set->last.ok && strcmp(set->last.content, hash) == 0) return;
        /* the content that failed for want of a snapshot: the pending retry will try it */
        if (set->backoff.delay_ms && strcmp(set->backoff.watched, hash) == 0) return;
    }
    request_one(set, "watch", "rules:watch", NULL);
}

int pg_rules_add(pg_host *h, const char *dir)
{
    pg_rules *set = pg_xcalloc(1, sizeof *set);
    set->h = h;
    set->dir = pg_xstrdup(dir);
    h->rules = pg_xrealloc(h->rules, sizeof *h->rules * (size_t)(h->nrules + 1));
    h->rules[h->nrules++] = set;
    pg_diags d = {0};
    pg_budget ceiling = {h->cfg.lua_instructions, (size_t)h->cfg.lua_memory_mb << 20};
    int rc =
        pg_gen_build(dir, h->cfg.data_dir, ++h->gens, ceiling, set->last.content, &set->gen, &d);
    const pg_rules *clash = rc == 0 ? year_taken(h, set, set->gen->rs->year) : NULL;
    if (clash) {
        pg_error(&d, dir, 0, "the rules are for %d, which %s already serves", clash->year,
                 clash->dir);
        pg_gen_unref(set->gen), set->gen = NULL;
        rc = -1;
    }
    /* the months before the rules' effective month keep the rules they had before the restart */
    int from = rc == 0 ? chain_kept_from(set, set->gen) : 1;
    if (rc == 0 && !from) {
        /* without a chain on record the first rules govern the whole year whatever their
         * default; with one, the months before the default keep their rules */
        char *path = chain_path(h, set->gen->rs->year);
        int known = access(path, F_OK) == 0;
        free(path);
        from = 1;
        if (known && effective_of(h, set->gen, &from, &d) != 0) rc = -1;
    }
    if (rc == 0 && chain_restore(set, set->gen, from, &d) != 0) rc = -1;
    if (rc != 0 && set->gen) pg_gen_unref(set->gen), set->gen = NULL;
    pg_diags_print(&d, stderr);
    set->last.trigger = pg_xstrdup("start");
    set->last.at = (int64_t)time(NULL);
    set->last.ok = rc == 0;
    set->last.errors = pg_reply_diags_json(&d, PG_ERROR, 50);
    set->last.nerrors = d.errors;
    set->last.warnings = pg_reply_diags_json(&d, PG_WARNING, 50);
    if (rc == 0) {
        set->last.gen_id = set->gen->id;
        set->year = set->gen->rs->year;
        note_frozen(set, chain_push(set, set->gen, from));
        chain_write(set);
    }
    pg_diags_free(&d);
    elect_newest(h);
    return rc == 0 ? 0 : -1;
}

void pg_rules_watch(pg_host *h)
{
    pg_watch_opts wo = {.debounce_ms = h->cfg.debounce_ms, .rescan_ms = h->cfg.rescan_ms};
    for (int i = 0; i < h->nrules; i++) {
        pg_rules *set = h->rules[i];
        int rc = pg_watch_start(h->loop, set->dir, &wo, on_watch, set, &set->watch);
        if (rc != 0)
            pg_log(PG_LOG_WARN, "watch", "directory", set->dir, "error", uv_strerror(rc), "reload",
                   "by SIGHUP or the API only", NULL);
    }
}

void pg_rules_stop_watching(pg_host *h)
{
    for (int i = 0; i < h->nrules; i++) {
        pg_rules *set = h->rules[i];
        if (set->watch) pg_watch_stop(set->watch), set->watch = NULL;
        if (set->backoff.timer_on) { /* no retry after this: the host is stopping */
            uv_timer_stop(&set->backoff.timer);
            uv_close((uv_handle_t *)&set->backoff.timer, NULL);
            set->backoff.timer_on = 0;
            set->backoff.delay_ms = 0, set->backoff.retry_at = 0;
        }
    }
}

void pg_rules_free(pg_host *h)
{
    for (int i = 0; i < h->nrules; i++) {
        pg_rules *set = h->rules[i];
        pg_gen_unref(set->gen);
        for (int k = 0; k < set->nchain; k++) pg_gen_unref(set->chain[k].gen);
        free(set->chain);
        cJSON_Delete(set->frozen);
        cJSON_Delete(set->last.errors), cJSON_Delete(set->last.warnings);
        free(set->last.trigger), free(set->reload_trigger), free(set->reload_actor);
        free(set->backoff.error);
        free(set->waiters), free(set->next), free(set->dir), free(set);
    }
    free(h->rules);
    h->rules = NULL, h->nrules = 0, h->gen = NULL;
}

static cJSON *set_status(const pg_rules *set, int offset)
{
    cJSON *o = cJSON_CreateObject();
    char buf[PG_TIME_BUF];
    if (set->gen) {
        cJSON_AddNumberToObject(o, "year", set->year);
        cJSON_AddStringToObject(o, "revision", set->gen->rs->revision);
        cJSON_AddNumberToObject(o, "generation", (double)set->gen->id);
        cJSON_AddStringToObject(o, "content", set->gen->content);
        cJSON_AddStringToObject(o, "loaded_at", pg_render_time(set->gen->loaded_at, offset, buf));
        char from[16];
        snprintf(from, sizeof from, "%d-%02d", set->year,
                 set->nchain ? set->chain[set->nchain - 1].from : 1);
        cJSON_AddStringToObject(o, "effective", from);
        cJSON_AddItemToObject(o, "chain", chain_json(set));
        cJSON_AddItemToObject(o, "frozen",
                              set->frozen ? cJSON_Duplicate(set->frozen, 1) : cJSON_CreateArray());
    }
    cJSON_AddStringToObject(o, "directory", set->dir);
    cJSON_AddBoolToObject(o, "reloading", set->reloading);
    const char *why = NULL;
    int degraded = set->watch && pg_watch_degraded(set->watch, &why);
    cJSON_AddStringToObject(o, "watcher", !set->watch ? "off" : degraded ? "degraded" : "ok");
    if (degraded && why) cJSON_AddStringToObject(o, "watcher_reason", why);
    const pg_reload_attempt *a = &set->last;
    if (a->trigger) {
        cJSON *l = cJSON_AddObjectToObject(o, "last_attempt");
        cJSON_AddStringToObject(l, "at", pg_render_time(a->at, offset, buf));
        cJSON_AddStringToObject(l, "trigger", a->trigger);
        cJSON_AddBoolToObject(l, "ok", a->ok);
        if (a->gen_id) cJSON_AddNumberToObject(l, "generation", (double)a->gen_id);
        cJSON_AddNumberToObject(l, "ms", a->ms);
        cJSON_AddItemToObject(l, "errors",
                              a->errors ? cJSON_Duplicate(a->errors, 1) : cJSON_CreateArray());
        cJSON_AddItemToObject(l, "warnings",
                              a->warnings ? cJSON_Duplicate(a->warnings, 1) : cJSON_CreateArray());
    }
    const pg_reload_backoff *b = &set->backoff;
    cJSON_AddNumberToObject(o, "failures", b->failures);
    if (b->failures) {
        cJSON_AddStringToObject(o, "error", b->error ? b->error : "");
        cJSON_AddNumberToObject(o, "repeats", b->repeats);
        if (b->delay_ms) {
            cJSON_AddStringToObject(o, "next_retry", pg_render_time(b->retry_at, offset, buf));
            cJSON_AddNumberToObject(o, "retry_delay_ms", b->delay_ms);
        } else {
            cJSON_AddNullToObject(o, "next_retry");
        }
    }
    return o;
}

cJSON *pg_reload_status(const pg_host *h)
{
    int offset = h->gen ? h->gen->rs->tz_offset : 8 * 3600;
    const pg_rules *newest = NULL;
    for (int i = 0; i < h->nrules; i++)
        if (!newest || (h->rules[i]->gen && h->rules[i]->gen == h->gen)) newest = h->rules[i];
    cJSON *o = newest ? set_status(newest, offset) : cJSON_CreateObject();
    cJSON *all = cJSON_AddArrayToObject(o, "sets");
    for (int i = 0; i < h->nrules; i++) cJSON_AddItemToArray(all, set_status(h->rules[i], offset));
    return o;
}
