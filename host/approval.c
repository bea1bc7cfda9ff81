/* approval.c — rule edits over HTTP (issue 17 §4): an admin or evaluator changes points,
 * weights and method parameters on the dashboard, and the edit is written into the office's Lua
 * files (rule_edit.h) and reloaded under that person's name; or, with rule_edits.approval =
 * "two_person", it waits as a proposal until another admin or evaluator approves it.
 *
 *   POST /api/v1/rules/edits                   the edit (rule_edit.h) → 200 written and swapped,
 *                                              or 202 {proposal} in two-person mode
 *   GET  /api/v1/rules/proposals[?state=]      {approval, proposals: [...]}, newest first
 *   POST /api/v1/rules/proposals/ID/approve    another person: written and swapped (200)
 *   POST /api/v1/rules/proposals/ID/reject     another person, {"note": "…"} optional
 *   POST /api/v1/rules/proposals/ID/withdraw   its author only
 *
 * Who: the token's name. The swap that follows a write is audited (rules.swap, reload.c) with
 * the edit's author — the signed-in person, never rules:watch — and the trigger "edit" or
 * "approval". This module audits the rest: rules.edit (a direct save: the lines written),
 * rules.proposed, rules.approved (by whom, of whose change), rules.rejected, rules.withdrawn, and
 * rules.stale (a proposal whose files changed before its approval: refused, 409). Proposals
 * live in the store (rule_proposal), so they survive a restart.
 *
 * Safety, in order: the edit names the content hash it was made against (`base`); the served
 * rules must be those (409 otherwise, so an edit made on a page that is out of date never
 * lands); the work runs on a pool thread, which edits a copy, loads it, checks it differs from the
 * served rules by exactly the values asked, and only then writes, after checking the live files
 * are still those (409); one edit is checked or written at a time (h->editing). Errors: 400 a
 * malformed edit, 403 the author approving or rejecting their own change, 404 no such id, 409
 * stale or decided already, 422 an edit the rules refuse (with the loader's file:line). */
#include "call.h"
#include "log.h"
#include "reply.h"
#include "rule_edit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pg_job job;
    pg_host *h;
    pg_http_req *req;
    pg_rules *set; /* the directory written: its watcher is held while the files are written */
    pg_edit_plan plan;
    int write;      /* 0: only checked (a proposal) */
    char *tmproot;  /* where the copy is edited */
    char *actor;    /* whose edit: the swap's author */
    char *approver; /* an approval: who approved, else NULL */
    long proposal;  /* an approval: its id */
    int status;     /* 0 or an HTTP status */
    pg_diags d;
    cJSON *changes; /* in words (rulediff) */
    cJSON *lines;   /* by file and line */
} edit_job;

static pg_rules *set_of(pg_host *h, int year)
{
    for (int i = 0; i < h->nrules; i++)
        if (h->rules[i]->gen && h->rules[i]->year == year) return h->rules[i];
    return NULL;
}

/* The name in an actor "role:name". */
static const char *name_of(const char *actor)
{
    const char *colon = strchr(actor, ':');
    return colon ? colon + 1 : actor;
}

static void audit(pg_host *h, const char *actor, const char *action, const char *object,
                  cJSON *before, cJSON *after)
{
    char *b = before ? cJSON_PrintUnformatted(before) : NULL;
    char *a = after ? cJSON_PrintUnformatted(after) : NULL;
    pg_diags d = {0};
    if (pg_audit_append(h->store, actor, action, object, b, a, &d) != 0)
        pg_log(PG_LOG_ERROR, "audit", "event", action, "error", d.n ? d.v[0].msg : "?", NULL);
    pg_diags_free(&d);
    free(b), free(a);
    cJSON_Delete(before), cJSON_Delete(after);
}

/* --- the work off the loop ---------------------------------------------------------------- */

static void work(pg_job *j)
{
    edit_job *e = (edit_job *)j;
    pg_ruleset *b = NULL;
    char *copy = NULL, hex[65] = "";
    pg_edited_file *files = NULL;
    int nf = 0;
    e->status = pg_edit_apply(&e->plan, e->plan.dir, e->tmproot, e->plan.base, hex, &b, &copy,
                              &files, &nf, &e->d);
    if (!e->status) e->status = pg_edit_verify(&e->plan, j->rs, b, &e->changes, &e->d);
    if (!e->status) e->lines = pg_edit_lines(&e->plan, files, nf);
    if (!e->status && e->write) e->status = pg_edit_write(&e->plan, files, nf, &e->d);
    pg_ruleset_free(b);
    if (copy) pg_ruledir_remove(copy);
    free(copy);
    pg_edited_free(files, nf);
}

static void job_free(edit_job *e)
{
    pg_edit_plan_free(&e->plan);
    pg_diags_free(&e->d);
    cJSON_Delete(e->changes), cJSON_Delete(e->lines);
    free(e->tmproot), free(e->actor), free(e->approver), free(e);
}

/* The answer of a write: what was written, what it changes, and the rules/status after. */
static cJSON *written_json(const edit_job *e, int year)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "year", year);
    cJSON_AddStringToObject(o, "author", e->actor);
    if (e->approver) cJSON_AddStringToObject(o, "approved_by", e->approver);
    if (e->proposal) cJSON_AddNumberToObject(o, "proposal", (double)e->proposal);
    const cJSON *eff = cJSON_GetObjectItemCaseSensitive(e->plan.json, "effective");
    if (eff) cJSON_AddItemToObject(o, "effective", cJSON_Duplicate(eff, 1));
    cJSON_AddItemToObject(o, "changes", cJSON_Duplicate(e->changes, 1));
    cJSON_AddItemToObject(o, "written", cJSON_Duplicate(e->lines, 1));
    return o;
}

static void reloaded(void *arg, int failed)
{
    edit_job *e = arg;
    pg_host *h = e->h;
    cJSON *o = written_json(e, e->plan.year);
    cJSON_AddBoolToObject(o, "swapped", !failed);
    cJSON_AddItemToObject(o, "status", pg_reload_status(h));
    if (failed && h->stopping) {
        cJSON_Delete(o);
        pg_reply_error(e->req, 503,
                       "the files were written; the host is shutting down before "
                       "reloading them (it loads them when it starts)");
    } else if (failed) {
        cJSON_Delete(o);
        pg_reply_error(e->req, 500,
                       "the files were written, but the reload rejected them: GET "
                       "/api/v1/rules/status says why");
    } else {
        pg_reply_json(e->req, 200, o);
    }
    job_free(e);
}

static int set_state(pg_host *h, long id, const char *state, const char *by, const char *note)
{
    sqlite3_stmt *s;
    pg_diags d = {0};
    char now[32];
    pg_store_now(now);
    int rc = pg_store_prepare(h->store,
                              "UPDATE rule_proposal SET state = ?, decided_by = ?, decided_at = ?, "
                              "note = ? WHERE id = ? AND state = 'pending'",
                              &s, &d);
    if (rc == 0) {
        sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
        if (note)
            sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, 4);
        sqlite3_bind_int64(s, 5, id);
        rc = sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(pg_store_db(h->store)) == 1 ? 0
                                                                                           : -EIO;
        sqlite3_finalize(s);
    }
    if (rc != 0)
        pg_log(PG_LOG_ERROR, "rules", "proposal", state, "error", d.n ? d.v[0].msg : "not pending",
               NULL);
    pg_diags_free(&d);
    return rc;
}

static char *object_of(int year, long id)
{
    return id ? pg_xasprintf("rules/%d/proposals/%ld", year, id) : pg_xasprintf("rules/%d", year);
}

/* Stores a checked edit as a proposal and answers 202. */
static void propose(edit_job *e)
{
    pg_host *h = e->h;
    cJSON *summary = cJSON_CreateObject();
    cJSON_AddItemToObject(summary, "changes", cJSON_Duplicate(e->changes, 1));
    cJSON_AddItemToObject(summary, "lines", cJSON_Duplicate(e->lines, 1));
    char *edit = cJSON_PrintUnformatted(e->plan.json), *sum = cJSON_PrintUnformatted(summary);
    cJSON_Delete(summary);
    char now[32];
    pg_store_now(now);
    sqlite3_stmt *s;
    pg_diags d = {0};
    long id = 0;
    int rc = pg_store_begin(h->store, &d);
    if (rc == 0)
        rc = pg_store_prepare(h->store,
                              "INSERT INTO rule_proposal (year, base, edit, summary, author, "
                              "proposed_at) VALUES (?, ?, ?, ?, ?, ?)",
                              &s, &d);
    if (rc == 0) {
        sqlite3_bind_int(s, 1, e->plan.year);
        sqlite3_bind_text(s, 2, e->plan.base, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, edit, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, sum, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, e->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : pg_store_fail(h->store, "a proposal", &d);
        sqlite3_finalize(s);
        id = (long)sqlite3_last_insert_rowid(pg_store_db(h->store));
    }
    if (rc == 0) {
        cJSON *after = cJSON_CreateObject();
        cJSON_AddNumberToObject(after, "proposal", (double)id);
        cJSON_AddItemToObject(after, "edit", cJSON_Duplicate(e->plan.json, 1));
        cJSON_AddItemToObject(after, "changes", cJSON_Duplicate(e->changes, 1));
        cJSON_AddItemToObject(after, "lines", cJSON_Duplicate(e->lines, 1));
        char *object = object_of(e->plan.year, id), *a = cJSON_PrintUnformatted(after);
        cJSON_Delete(after);
        rc = pg_audit_append(h->store, e->actor, "rules.proposed", object, NULL, a, &d);
        free(object), free(a);
    }
    if (rc == 0) rc = pg_store_commit(h->store, &d);
    if (rc != 0) {
        pg_store_rollback(h->store);
        pg_reply_diags(e->req, 500, "the proposal could not be stored", &d, 5);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON *p = cJSON_AddObjectToObject(o, "proposal");
        cJSON_AddNumberToObject(p, "id", (double)id);
        cJSON_AddNumberToObject(p, "year", e->plan.year);
        cJSON_AddStringToObject(p, "state", "pending");
        cJSON_AddStringToObject(p, "author", e->actor);
        cJSON_AddStringToObject(p, "proposed_at", now);
        cJSON_AddItemToObject(p, "edit", cJSON_Duplicate(e->plan.json, 1));
        cJSON_AddItemToObject(p, "changes", cJSON_Duplicate(e->changes, 1));
        cJSON_AddItemToObject(p, "lines", cJSON_Duplicate(e->lines, 1));
        pg_log(PG_LOG_INFO, "rules", "proposal", "proposed", "author", e->actor, NULL);
        pg_reply_json(e->req, 202, o);
    }
    pg_diags_free(&d);
    free(edit), free(sum);
    job_free(e);
}

static void done(pg_job *j)
{
    edit_job *e = (edit_job *)j;
    pg_host *h = e->h;
    h->editing = 0;
    /* released in the same turn of the loop as the reload below is requested: no report of the
     * watcher can come between, so the swap is this edit's, never rules:watch's */
    if (e->set) e->set->edit_hold = 0;
    if (j->error) pg_error(&e->d, NULL, 0, "%s", j->error), e->status = 500;
    if (e->status) {
        /* a save the watcher reported while the edit held it (an author's own, in an editor)
         * is loaded now, as the watcher would have */
        pg_rules *held = e->set;
        if (held && held->gen && held->watched[0] && strcmp(held->watched, held->gen->content))
            pg_reload_request(h, held->year, "watch", "rules:watch", NULL);
        if (e->proposal && e->status == 409) {
            set_state(h, e->proposal, "stale", e->approver, NULL);
            cJSON *a = cJSON_CreateObject();
            cJSON_AddNumberToObject(a, "proposal", (double)e->proposal);
            cJSON_AddStringToObject(a, "author", e->actor);
            cJSON_AddStringToObject(a, "why", e->d.n ? e->d.v[0].msg : "the files changed");
            char *object = object_of(e->plan.year, e->proposal);
            audit(h, e->approver, "rules.stale", object, NULL, a);
            free(object);
        }
        pg_reply_diags(e->req, e->status,
                       e->status == 409   ? "the rules changed since the edit was made"
                       : e->status == 422 ? "the edit is refused; nothing was written"
                                          : "the edit failed; nothing was written",
                       &e->d, 20);
        job_free(e);
        return;
    }
    if (!e->write) {
        propose(e);
        return;
    }
    cJSON *after = written_json(e, e->plan.year);
    char *object = object_of(e->plan.year, e->proposal);
    if (e->proposal) {
        set_state(h, e->proposal, "approved", e->approver, NULL);
        audit(h, e->approver, "rules.approved", object, NULL, after);
    } else {
        audit(h, e->actor, "rules.edit", object, NULL, after);
    }
    free(object);
    pg_log(PG_LOG_INFO, "rules", "edit", "written", "author", e->actor, "approved_by", e->approver,
           NULL);
    if (pg_reload_request_cb(h, e->plan.year, e->proposal ? "approval" : "edit", e->actor, reloaded,
                             e) != 0) {
        pg_reply_error(e->req, 503,
                       "the files were written; the host is shutting down before "
                       "reloading them (it loads them when it starts)");
        job_free(e);
    }
}

/* Checks that the plan can start now and submits it; answers otherwise. Takes `e`. */
static void submit(pg_host *h, pg_rules *set, edit_job *e)
{
    if (h->stopping) {
        pg_reply_error(e->req, 503, "the host is shutting down");
        job_free(e);
        return;
    }
    if (h->editing) {
        pg_reply_error(e->req, 409,
                       "another rule edit is being checked or written: try again in "
                       "a moment");
        job_free(e);
        return;
    }
    h->editing = 1;
    if (e->write) e->set = set, set->edit_hold = 1;
    e->tmproot = pg_xstrdup(h->incoming ? h->incoming : "/tmp");
    e->job.gen = pg_gen_ref(set->gen);
    e->job.work = work;
    e->job.done = done;
    e->job.deadline_ms = h->cfg.job_deadline_ms;
    e->job.what = "rule edit";
    pg_pool_submit(h->pool, &e->job);
}

/* Binds `body` to the served rules of its year, checking base against them; NULL after
 * answering. */
static edit_job *prepare(pg_call *c, const cJSON *body, pg_rules **setp)
{
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(body, "year");
    int year = cJSON_IsNumber(y) ? y->valueint : c->h->gen->rs->year;
    pg_rules *set = set_of(c->h, year);
    if (!set) {
        pg_reply_error(c->req, 404, "no rule set is served for %d", year);
        return NULL;
    }
    edit_job *e = pg_xcalloc(1, sizeof *e);
    e->h = c->h;
    e->req = c->req;
    char *why = NULL;
    int st = pg_edit_bind(body, set->gen, set->dir, &e->plan, &why);
    if (!st && !e->plan.base[0]) {
        why = pg_xstrdup("base: the content hash of the rules the edit was made against is "
                         "needed (GET /api/v1/rules/status content)");
        st = 400;
    }
    if (!st && strcmp(e->plan.base, set->gen->content) != 0) {
        why = pg_xasprintf("the rules served changed since the edit was made (now %.12s, the edit "
                           "was made against %.12s): load the rules again and make the edit anew",
                           set->gen->content, e->plan.base);
        st = 409;
    }
    if (st) {
        pg_reply_error(c->req, st, "%s", why);
        free(why);
        job_free(e);
        return NULL;
    }
    *setp = set;
    return e;
}

static void post_edit(pg_call *c)
{
    cJSON *body = pg_call_body(c);
    if (!body) return;
    pg_rules *set = NULL;
    edit_job *e = prepare(c, body, &set);
    cJSON_Delete(body);
    if (!e) return;
    char actor[96];
    e->actor = pg_xstrdup(pg_call_actor(c, actor));
    e->write = !c->h->cfg.two_person;
    submit(c->h, set, e);
}

/* --- proposals ------------------------------------------------------------------------------ */

typedef struct {
    long id;
    int year;
    char *base, *edit, *summary, *author, *proposed_at, *state, *decided_by, *decided_at, *note;
} proposal;

static void proposal_free(proposal *p)
{
    free(p->base), free(p->edit), free(p->summary), free(p->author), free(p->proposed_at);
    free(p->state), free(p->decided_by), free(p->decided_at), free(p->note);
}

static char *col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? pg_xstrdup((const char *)t) : NULL;
}

#define COLUMNS                                                                                    \
    "id, year, base, edit, summary, author, proposed_at, state, decided_by, decided_at, note"

static void row(sqlite3_stmt *s, proposal *p)
{
    p->id = (long)sqlite3_column_int64(s, 0);
    p->year = sqlite3_column_int(s, 1);
    p->base = col(s, 2), p->edit = col(s, 3), p->summary = col(s, 4), p->author = col(s, 5);
    p->proposed_at = col(s, 6), p->state = col(s, 7), p->decided_by = col(s, 8);
    p->decided_at = col(s, 9), p->note = col(s, 10);
}

static cJSON *proposal_json(const pg_host *h, const proposal *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)p->id);
    cJSON_AddNumberToObject(o, "year", p->year);
    cJSON_AddStringToObject(o, "state", p->state);
    cJSON_AddStringToObject(o, "author", p->author);
    cJSON_AddStringToObject(o, "proposed_at", p->proposed_at);
    pg_json_str(o, "decided_by", p->decided_by);
    pg_json_str(o, "decided_at", p->decided_at);
    pg_json_str(o, "note", p->note);
    cJSON_AddStringToObject(o, "base", p->base);
    /* a pending proposal made against other rules than those served would be refused */
    const pg_gen *g = pg_host_gen(h, p->year);
    cJSON_AddBoolToObject(
        o, "stale", strcmp(p->state, "pending") == 0 && (!g || strcmp(g->content, p->base) != 0));
    cJSON *edit = cJSON_Parse(p->edit), *sum = cJSON_Parse(p->summary);
    cJSON_AddItemToObject(o, "edit", edit ? edit : cJSON_CreateNull());
    cJSON *ch = cJSON_DetachItemFromObjectCaseSensitive(sum, "changes");
    cJSON *ln = cJSON_DetachItemFromObjectCaseSensitive(sum, "lines");
    cJSON_AddItemToObject(o, "changes", ch ? ch : cJSON_CreateArray());
    cJSON_AddItemToObject(o, "lines", ln ? ln : cJSON_CreateArray());
    cJSON_Delete(sum);
    return o;
}

static void get_proposals(pg_call *c)
{
    char *state = pg_http_query_param(c->req, "state");
    if (state && strcmp(state, "pending") && strcmp(state, "approved") &&
        strcmp(state, "rejected") && strcmp(state, "withdrawn") && strcmp(state, "stale") &&
        strcmp(state, "all")) {
        pg_reply_error(c->req, 400,
                       "state '%s': pending, approved, rejected, withdrawn, stale or all", state);
        free(state);
        return;
    }
    sqlite3_stmt *s;
    pg_diags d = {0};
    int all = !state || strcmp(state, "all") == 0;
    if (pg_store_prepare(c->h->store,
                         all ? "SELECT " COLUMNS " FROM rule_proposal ORDER BY id DESC LIMIT 200"
                             : "SELECT " COLUMNS " FROM rule_proposal WHERE state = ? "
                               "ORDER BY id DESC LIMIT 200",
                         &s, &d) != 0) {
        pg_reply_diags(c->req, 500, "the proposals cannot be read", &d, 5);
        pg_diags_free(&d);
        free(state);
        return;
    }
    if (!all) sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "approval", c->h->cfg.two_person ? "two_person" : "none");
    cJSON *a = cJSON_AddArrayToObject(o, "proposals");
    while (sqlite3_step(s) == SQLITE_ROW) {
        proposal p = {0};
        row(s, &p);
        cJSON_AddItemToArray(a, proposal_json(c->h, &p));
        proposal_free(&p);
    }
    sqlite3_finalize(s);
    free(state);
    pg_reply_json(c->req, 200, o);
}

/* The proposal of path segment 4, or 0 after answering 404 (or 400). */
static int load_proposal(pg_call *c, proposal *p)
{
    char *end;
    long id = strtol(c->seg[4], &end, 10);
    if (*end || id <= 0) {
        pg_reply_error(c->req, 400, "proposal '%s': a number", c->seg[4]);
        return 0;
    }
    sqlite3_stmt *s;
    pg_diags d = {0};
    int found = 0;
    if (pg_store_prepare(c->h->store, "SELECT " COLUMNS " FROM rule_proposal WHERE id = ?", &s,
                         &d) == 0) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW) row(s, p), found = 1;
        sqlite3_finalize(s);
    }
    pg_diags_free(&d);
    if (!found) pg_reply_error(c->req, 404, "no proposal %ld", id);
    return found;
}

static int pending(pg_call *c, const proposal *p)
{
    if (strcmp(p->state, "pending") == 0) return 1;
    pg_reply_error(c->req, 409, "proposal %ld is %s already%s%s", p->id, p->state,
                   p->decided_by ? " by " : "", p->decided_by ? p->decided_by : "");
    return 0;
}

static void post_approve(pg_call *c)
{
    proposal p = {0};
    if (!load_proposal(c, &p)) return;
    char actor[96];
    pg_call_actor(c, actor);
    if (!pending(c, &p)) {
        proposal_free(&p);
        return;
    }
    if (strcmp(name_of(p.author), c->tok->name) == 0) {
        pg_reply_error(c->req, 403,
                       "proposal %ld is %s's own: another admin or evaluator must approve it", p.id,
                       p.author);
        proposal_free(&p);
        return;
    }
    cJSON *body = cJSON_Parse(p.edit);
    pg_rules *set = NULL;
    edit_job *e = body ? prepare(c, body, &set) : NULL;
    cJSON_Delete(body);
    if (!e) {
        /* prepare answered: the rules moved on (409) or the ids are gone */
        if (!body) pg_reply_error(c->req, 500, "proposal %ld: its edit cannot be read", p.id);
        if (set_state(c->h, p.id, "stale", actor, NULL) == 0) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddNumberToObject(a, "proposal", (double)p.id);
            cJSON_AddStringToObject(a, "author", p.author);
            cJSON_AddStringToObject(a, "why", "the rules served changed since it was proposed");
            char *object = object_of(p.year, p.id);
            audit(c->h, actor, "rules.stale", object, NULL, a);
            free(object);
        }
        proposal_free(&p);
        return;
    }
    e->actor = pg_xstrdup(p.author);
    e->approver = pg_xstrdup(actor);
    e->proposal = p.id;
    e->write = 1;
    proposal_free(&p);
    submit(c->h, set, e);
}

/* Reject (another person) or withdraw (the author): the state, its audit entry, the answer. */
static void decide(pg_call *c, int withdraw)
{
    proposal p = {0};
    if (!load_proposal(c, &p)) return;
    char actor[96];
    pg_call_actor(c, actor);
    int own = strcmp(name_of(p.author), c->tok->name) == 0;
    cJSON *body = c->req->body_len ? pg_call_body(c) : NULL;
    if (c->req->body_len && !body) {
        proposal_free(&p);
        return;
    }
    const char *note = body ? pg_call_body_string(body, "note") : NULL;
    if (!pending(c, &p)) {
    } else if (withdraw && !own) {
        pg_reply_error(c->req, 403, "only its author (%s) withdraws proposal %ld", p.author, p.id);
    } else if (!withdraw && own) {
        pg_reply_error(c->req, 403,
                       "proposal %ld is your own: withdraw it (POST …/withdraw), or another "
                       "admin or evaluator rejects it",
                       p.id);
    } else if (set_state(c->h, p.id, withdraw ? "withdrawn" : "rejected", actor, note) != 0) {
        pg_reply_error(c->req, 409, "proposal %ld was decided meanwhile", p.id);
    } else {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddNumberToObject(a, "proposal", (double)p.id);
        cJSON_AddStringToObject(a, "author", p.author);
        pg_json_str(a, "note", note);
        char *object = object_of(p.year, p.id);
        audit(c->h, actor, withdraw ? "rules.withdrawn" : "rules.rejected", object, NULL, a);
        free(object);
        proposal q = {0};
        sqlite3_stmt *s;
        pg_diags d = {0};
        cJSON *o = cJSON_CreateObject();
        if (pg_store_prepare(c->h->store, "SELECT " COLUMNS " FROM rule_proposal WHERE id = ?", &s,
                             &d) == 0) {
            sqlite3_bind_int64(s, 1, p.id);
            if (sqlite3_step(s) == SQLITE_ROW) {
                row(s, &q);
                cJSON_AddItemToObject(o, "proposal", proposal_json(c->h, &q));
                proposal_free(&q);
            }
            sqlite3_finalize(s);
        }
        pg_diags_free(&d);
        pg_reply_json(c->req, 200, o);
    }
    cJSON_Delete(body);
    proposal_free(&p);
}

static void post_reject(pg_call *c)
{
    decide(c, 0);
}

static void post_withdraw(pg_call *c)
{
    decide(c, 1);
}

const pg_route pg_rule_edit_routes[] = {
    {PG_HTTP_POST, "rules/edits", PG_ROLES_STAFF, post_edit},
    {PG_HTTP_GET, "rules/proposals", PG_ROLES_STAFF, get_proposals},
    {PG_HTTP_POST, "rules/proposals/*/approve", PG_ROLES_STAFF, post_approve},
    {PG_HTTP_POST, "rules/proposals/*/reject", PG_ROLES_STAFF, post_reject},
    {PG_HTTP_POST, "rules/proposals/*/withdraw", PG_ROLES_STAFF, post_withdraw},
    {0, NULL, 0, NULL},
};
