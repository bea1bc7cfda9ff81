/* rule_edit.c — binding, applying, verifying and writing a rule edit made on the dashboard or
 * the API (rule_edit.h says what an edit is; approval.c serves the routes, preview.c previews).
 *
 * Why the checks are in this order. An edit is bound to the served generation's declarations
 * (their file:line), but written to the live directory, which may have been changed by an
 * author since: so the copy that is edited is checked to hash to `base` (the content the client
 * saw, which is also the served generation's), and each live file is checked again to be
 * byte-for-byte the one that was edited just before the renames. The edited copy is loaded, as
 * the real files, before anything is written: an edit that makes the set invalid (children no
 * longer adding up, a weight the parts cannot reach) is refused with the loader's own located
 * errors. Then the loaded set is compared with the served one: it must differ by exactly the
 * values asked (core/rules/rulediff.c finds any other change), so a rewrite that reached a
 * literal it should not have is caught before the office's files are touched.
 *
 * Writing: every new file is written and fsync'd beside its original under a hidden temporary
 * name (hidden names are not rule files: the watcher and the hash skip them), then each is
 * renamed over its original and the directory is synced. A rename is atomic, so a reader sees a
 * file old or new, never half; an edit of two files (a weight and the effective month) is two
 * renames microseconds apart, and the reload that follows reads both. */
#include "rule_edit.h"

#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- binding ------------------------------------------------------------------------------ */

/* The numeric parameters of each built-in method an edit may change (render.c shows them). */
static int param_allowed(pg_method_kind k, const char *name)
{
    static const char *const lists[][3] = {
        [PG_M_LINEAR] = {"lo", "hi", NULL},
        [PG_M_TARGET] = {"target", NULL},
        [PG_M_ZSCORE] = {"base", "per_sd", NULL},
        [PG_M_DEDUCT] = {"per", "free", NULL},
        [PG_M_PER_EVENT] = {"per", "free", NULL},
        [PG_M_STEPS] = {"otherwise", NULL},
        [PG_M_RANK] = {"rest", NULL},
    };
    if ((int)k < 0 || (size_t)k >= sizeof lists / sizeof *lists) return 0;
    for (int i = 0; i < 3 && lists[k][i]; i++)
        if (strcmp(lists[k][i], name) == 0) return 1;
    return 0;
}

static double *param_field(pg_method *m, const char *name)
{
    return strcmp(name, "lo") == 0          ? &m->lo
           : strcmp(name, "hi") == 0        ? &m->hi
           : strcmp(name, "target") == 0    ? &m->target
           : strcmp(name, "base") == 0      ? &m->base
           : strcmp(name, "per_sd") == 0    ? &m->per_sd
           : strcmp(name, "per") == 0       ? &m->per
           : strcmp(name, "free") == 0      ? &m->free
           : strcmp(name, "otherwise") == 0 ? &m->otherwise
           : strcmp(name, "rest") == 0      ? &m->rest
                                            : NULL;
}

/* `file` relative to `dir`, or NULL when it is not one of dir's own files (a parent's, when the
 * set extends another: that year's files are edited there, not through this year's). */
static char *relative(const char *file, const char *dir)
{
    size_t n = strlen(dir);
    if (!file || strncmp(file, dir, n) != 0 || file[n] != '/') return NULL;
    const char *rel = file + n + 1;
    if (!*rel || rel[0] == '.' || strstr(rel, "/.") || strstr(rel, "..")) return NULL;
    return pg_xstrdup(rel);
}

static int number(const cJSON *v, double *out)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return 0;
    *out = v->valuedouble;
    return 1;
}

static pg_edit_item *add_item(pg_edit_plan *p)
{
    p->v = pg_xrealloc(p->v, sizeof *p->v * (size_t)(p->n + 1));
    pg_edit_item *it = &p->v[p->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* Binds one element of "changes"; 0 or an HTTP status with *why. */
static int bind_change(const cJSON *c, int i, const pg_ruleset *rs, const char *dir,
                       pg_edit_plan *p, char **why)
{
    const char *ind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "indicator"));
    const char *sch = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "scheme"));
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(c, "points");
    const char *param = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "param"));
    char tb[32], ta[32];
    if (ind && (points != NULL) + (param != NULL) == 1 && !sch) {
        int n = pg_strmap_get(&rs->node_ids, ind);
        if (n < 0) {
            *why = pg_xasprintf("changes[%d]: no indicator '%s' in the %d rules", i, ind, rs->year);
            return 404;
        }
        const pg_node *nd = &rs->nodes[n];
        char *rel = relative(nd->file, dir);
        if (!rel) {
            *why = pg_xasprintf(
                "changes[%d]: indicator '%s' is declared in %s:%d, not among the "
                "files of %s (inherited from the set it extends): redeclare it in this "
                "year's files to change it for this year",
                i, ind, nd->file, nd->line, dir);
            return 422;
        }
        pg_edit_item *it = add_item(p);
        it->rel = rel;
        it->e.file = pg_xasprintf("%s/%s", dir, rel);
        it->e.line = nd->line;
        it->e.id = pg_xstrdup(ind);
        const pg_node *pa = nd->parent >= 0 ? &rs->nodes[nd->parent] : NULL;
        if (points && pa && pa->op != PG_OP_SUM) {
            /* as the overrides file refuses it (overrides.c): an edit that changes nothing */
            *why = pg_xasprintf("changes[%d]: the points of '%s' do not weigh under '%s' "
                                "(aggregate = \"%s\" combines each child's share of its own "
                                "points%s), so this edit would change nothing%s",
                                i, ind, pa->id, pg_op_name(pa->op),
                                pa->op == PG_OP_MIN ? "" : ", weighted by `weight`",
                                pa->op == PG_OP_MIN ? "" : "; change its `weight` in the file");
            return 422;
        }
        if (points) {
            int ng = 0;
            it->groups = pg_xcalloc((size_t)rs->ngroups + 1, sizeof *it->groups);
            it->values = pg_xcalloc((size_t)rs->ngroups + 1, sizeof *it->values);
            double all = 0;
            int scalar = number(points, &all);
            if (!scalar && !cJSON_IsObject(points)) {
                *why = pg_xasprintf("changes[%d]: points is a number, or {\"group\": number}", i);
                return 400;
            }
            for (const cJSON *g = scalar ? NULL : points->child; g; g = g->next) {
                int gi = pg_strmap_get(&rs->group_ids, g->string);
                double v;
                if (gi < 0) {
                    *why = pg_xasprintf("changes[%d]: no group '%s' in the rules", i, g->string);
                    return 404;
                }
                if (isnan(nd->points[gi])) {
                    *why = pg_xasprintf("changes[%d]: indicator '%s' does not apply to group '%s'"
                                        " (which groups it applies to is edited in the file)",
                                        i, ind, g->string);
                    return 422;
                }
                if (!number(g, &v)) {
                    *why = pg_xasprintf("changes[%d]: points of group '%s' must be a number", i,
                                        g->string);
                    return 400;
                }
            }
            char *what = pg_xasprintf("%s points", ind);
            for (int g = 0; g < rs->ngroups; g++) {
                if (isnan(nd->points[g])) continue;
                const cJSON *gv =
                    scalar ? NULL : cJSON_GetObjectItemCaseSensitive(points, rs->groups[g].id);
                double v = scalar ? all : gv ? gv->valuedouble : nd->points[g];
                if (v < 0) {
                    *why = pg_xasprintf("changes[%d]: points of '%s' cannot be negative", i, ind);
                    free(what);
                    return 422;
                }
                it->groups[ng] = pg_xstrdup(rs->groups[g].id);
                it->values[ng++] = v;
                if (v != nd->points[g]) {
                    char *next = pg_xasprintf("%s %s %s → %s", what, rs->groups[g].id,
                                              pg_num_text(nd->points[g], tb), pg_num_text(v, ta));
                    free(what), what = next;
                }
            }
            if (!ng) {
                *why = pg_xasprintf("changes[%d]: indicator '%s' has no points to change", i, ind);
                free(what);
                return 422;
            }
            it->what = what;
            it->e.kind = PG_EDIT_POINTS;
            it->e.groups = (const char *const *)it->groups;
            it->e.values = it->values;
            it->e.ngroups = ng;
            return 0;
        }
        pg_method m = nd->method;
        double v;
        if (nd->veto || nd->evaluator || !param_allowed(m.kind, param)) {
            *why = pg_xasprintf("changes[%d]: the method of '%s' (%s) has no parameter '%s' that "
                                "can be changed here (linear: lo, hi; target: target; zscore: "
                                "base, per_sd; deduct, per_event: per, free; steps: otherwise; "
                                "rank: rest)",
                                i, ind, nd->veto ? "veto" : pg_method_name(m.kind), param);
            return 422;
        }
        if (!number(cJSON_GetObjectItemCaseSensitive(c, "value"), &v)) {
            *why = pg_xasprintf("changes[%d]: {\"indicator\", \"param\", \"value\": number}", i);
            return 400;
        }
        it->e.kind = PG_EDIT_PARAM;
        it->e.key = pg_xstrdup(param);
        it->e.method = pg_method_name(m.kind);
        it->values = pg_xmalloc(sizeof *it->values);
        it->values[0] = v;
        it->e.values = it->values;
        it->what = pg_xasprintf("%s method %s %s %s → %s", ind, pg_method_name(m.kind), param,
                                pg_num_text(*param_field(&m, param), tb), pg_num_text(v, ta));
        return 0;
    }
    const char *part = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "part"));
    double w;
    if (sch && part && !ind && number(cJSON_GetObjectItemCaseSensitive(c, "weight"), &w)) {
        int s = pg_strmap_get(&rs->scheme_ids, sch), k = -1;
        for (int j = 0; s >= 0 && j < rs->schemes[s].nparts; j++)
            if (strcmp(rs->schemes[s].parts[j].id, part) == 0) k = j;
        if (k < 0) {
            *why = pg_xasprintf("changes[%d]: no %s '%s' in the %d rules", i,
                                s < 0 ? "scheme" : "part", s < 0 ? sch : part, rs->year);
            return 404;
        }
        if (w < 0) {
            *why = pg_xasprintf("changes[%d]: a weight cannot be negative", i);
            return 422;
        }
        const pg_scheme *sc = &rs->schemes[s];
        char *rel = relative(sc->file, dir);
        if (!rel) {
            *why =
                pg_xasprintf("changes[%d]: scheme '%s' is declared in %s:%d, not among the files "
                             "of %s (inherited from the set it extends): redeclare it in this "
                             "year's files to change it for this year",
                             i, sch, sc->file, sc->line, dir);
            return 422;
        }
        pg_edit_item *it = add_item(p);
        it->rel = rel;
        it->e.kind = PG_EDIT_WEIGHT;
        it->e.file = pg_xasprintf("%s/%s", dir, rel);
        it->e.line = sc->line;
        it->e.id = pg_xstrdup(sch);
        it->e.key = pg_xstrdup(part);
        it->values = pg_xmalloc(sizeof *it->values);
        it->values[0] = w;
        it->e.values = it->values;
        it->what = pg_xasprintf("scheme %s part %s weight %s → %s", sch, part,
                                pg_num_text(sc->parts[k].weight, tb), pg_num_text(w, ta));
        return 0;
    }
    *why = pg_xasprintf("changes[%d]: expected {\"indicator\", \"points\"}, {\"indicator\", "
                        "\"param\", \"value\"} or {\"scheme\", \"part\", \"weight\"}",
                        i);
    return 400;
}

static int same_target(const pg_edit_item *a, const pg_edit_item *b)
{
    return a->e.kind == b->e.kind && strcmp(a->e.id, b->e.id) == 0 &&
           (!a->e.key || !b->e.key || strcmp(a->e.key, b->e.key) == 0);
}

int pg_edit_bind(const cJSON *body, const pg_gen *g, const char *dir, pg_edit_plan *p, char **why)
{
    const pg_ruleset *rs = g->rs;
    memset(p, 0, sizeof *p);
    p->year = rs->year;
    p->dir = pg_xstrdup(dir);
    *why = NULL;
    const char *base = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "base"));
    if (base) {
        if (strlen(base) != 64 || strspn(base, "0123456789abcdef") != 64) {
            *why = pg_xasprintf("base '%s': the content hash of the rules the edit was made "
                                "against (64 hex digits: GET /api/v1/rules/status content)",
                                base);
            return 400;
        }
        memcpy(p->base, base, 65);
    }
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(body, "changes");
    if (!cJSON_IsArray(changes) || !cJSON_GetArraySize(changes)) {
        *why = pg_xasprintf("expected {\"base\": \"…\", \"changes\": [ … ] (one at least), "
                            "\"effective\": \"YYYY-MM\" (optional)}");
        return 400;
    }
    int i = 0;
    for (const cJSON *c = changes->child; c; c = c->next, i++) {
        int st = bind_change(c, i, rs, dir, p, why);
        if (st) return st;
        for (int k = 0; k < p->n - 1; k++)
            if (same_target(&p->v[k], &p->v[p->n - 1])) {
                *why = pg_xasprintf("changes[%d]: the same value is changed twice in one edit", i);
                return 400;
            }
    }
    const cJSON *eff = cJSON_GetObjectItemCaseSensitive(body, "effective");
    if (eff && !cJSON_IsNull(eff)) {
        const char *s = cJSON_GetStringValue(eff);
        int code = s ? pg_period_parse(s) : -1;
        if (code < 0 || pg_period_is_year(code) || pg_period_year(code) != rs->year) {
            *why =
                pg_xasprintf("effective: a sampling month of %d (\"%d-MM\")", rs->year, rs->year);
            return 400;
        }
        char *rel = relative(rs->file, dir);
        if (!rel) {
            *why = pg_xasprintf("effective: the rule set is declared in %s, not among the files "
                                "of %s",
                                rs->file, dir);
            return 422;
        }
        p->effective = code % 100;
        pg_edit_item *it = add_item(p);
        it->rel = rel;
        it->e.kind = PG_EDIT_EFFECTIVE;
        it->e.file = pg_xasprintf("%s/%s", dir, rel);
        it->e.line = rs->line;
        char buf[PG_PERIOD_BUF];
        it->e.text = pg_xstrdup(pg_period_format(code, buf));
        it->what = pg_xasprintf("effective %s", it->e.text);
    }
    p->json = cJSON_CreateObject();
    cJSON_AddNumberToObject(p->json, "year", rs->year);
    if (p->base[0]) cJSON_AddStringToObject(p->json, "base", p->base);
    if (p->effective) {
        char buf[PG_PERIOD_BUF];
        cJSON_AddStringToObject(p->json, "effective",
                                pg_period_format(rs->year * 100 + p->effective, buf));
    }
    cJSON_AddItemToObject(p->json, "changes", cJSON_Duplicate(changes, 1));
    return 0;
}

void pg_edit_plan_free(pg_edit_plan *p)
{
    for (int i = 0; i < p->n; i++) {
        pg_edit_item *it = &p->v[i];
        for (int g = 0; it->groups && it->groups[g]; g++) free(it->groups[g]);
        free(it->groups), free(it->values), free(it->rel), free(it->what);
        free((char *)it->e.file), free((char *)it->e.id), free((char *)it->e.key);
        free((char *)it->e.text);
    }
    free(p->v), free(p->dir);
    cJSON_Delete(p->json);
    memset(p, 0, sizeof *p);
}

/* --- applying ------------------------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0, r;
    char chunk[8192];
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + r + 1 > cap) buf = pg_xrealloc(buf, cap = (n + r + 1) * 2);
        memcpy(buf + n, chunk, r), n += r;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    if (!buf) buf = pg_xstrdup("");
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int spit(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -errno;
    int bad = fwrite(text, 1, len, f) != len;
    return fclose(f) != 0 || bad ? -EIO : 0;
}

void pg_edited_free(pg_edited_file *f, int n)
{
    for (int i = 0; i < n; i++) free(f[i].rel), free(f[i].before), free(f[i].after);
    free(f);
}

int pg_edit_apply(const pg_edit_plan *p, const char *from, const char *tmproot, const char *want,
                  char hex[65], pg_ruleset **out, char **copy, pg_edited_file **files, int *nfiles,
                  pg_diags *d)
{
    *out = NULL, *files = NULL, *nfiles = 0;
    *copy = pg_xasprintf("%s/edit-XXXXXX", tmproot);
    if (!mkdtemp(*copy)) {
        pg_error(d, *copy, 0, "cannot make a directory to edit a copy in: %s", strerror(errno));
        free(*copy), *copy = NULL;
        return 500;
    }
    char *dest = pg_xasprintf("%s/rules", *copy);
    int rc = pg_ruledir_copy(from, dest, hex);
    if (rc != 0) {
        pg_error(d, p->dir, 0, "cannot copy the rule files to edit them: %s", strerror(-rc));
        free(dest);
        return 500;
    }
    if (want && want[0] && strcmp(hex, want) != 0) {
        pg_error(d, p->dir, 0,
                 "the rule files changed since the edit was prepared (they hash to %.12s, the "
                 "edit was made against %.12s): load the rules again and make the edit anew",
                 hex, want);
        free(dest);
        return 409;
    }
    /* file by file, the effective month last: it is the one edit that adds a line */
    int status = 0;
    for (int pass = 0; pass < 2 && !status; pass++)
        for (int i = 0; i < p->n && !status; i++) {
            const pg_edit_item *it = &p->v[i];
            if ((it->e.kind == PG_EDIT_EFFECTIVE) != pass) continue;
            int f = 0;
            while (f < *nfiles && strcmp((*files)[f].rel, it->rel) != 0) f++;
            if (f == *nfiles) {
                char *path = pg_xasprintf("%s/%s", dest, it->rel);
                size_t len = 0;
                char *text = slurp(path, &len);
                free(path);
                if (!text) {
                    pg_error(d, it->e.file, 0, "cannot read: %s", strerror(errno));
                    status = 500;
                    break;
                }
                *files = pg_xrealloc(*files, sizeof **files * (size_t)(*nfiles + 1));
                (*files)[(*nfiles)++] =
                    (pg_edited_file){pg_xstrdup(it->rel), text, pg_xstrdup(text), len, len};
            }
            pg_edited_file *ef = &(*files)[f];
            char *next = NULL;
            size_t nlen = 0;
            if (pg_rewrite(ef->after, ef->nafter, &it->e, &next, &nlen, d) != 0) {
                status = 422;
                break;
            }
            free(ef->after);
            ef->after = next, ef->nafter = nlen;
        }
    for (int f = 0; f < *nfiles && !status; f++) {
        char *path = pg_xasprintf("%s/%s", dest, (*files)[f].rel);
        if (spit(path, (*files)[f].after, (*files)[f].nafter) != 0) {
            pg_error(d, path, 0, "cannot write the edited copy: %s", strerror(errno));
            status = 500;
        }
        free(path);
    }
    if (!status && pg_snapshot_load(dest, p->dir, out, d) != 0) status = 422;
    /* drop the files the edit left as they were (a value already so) */
    int k = 0;
    for (int f = 0; f < *nfiles; f++) {
        pg_edited_file *ef = &(*files)[f];
        if (ef->nbefore == ef->nafter && memcmp(ef->before, ef->after, ef->nafter) == 0)
            free(ef->rel), free(ef->before), free(ef->after);
        else
            (*files)[k++] = *ef;
    }
    *nfiles = k;
    free(dest);
    return status;
}

/* --- verifying ----------------------------------------------------------------------------- */

static int asked(const pg_edit_plan *p, const pg_rule_change *c)
{
    for (int i = 0; i < p->n; i++) {
        const pg_edit_item *it = &p->v[i];
        if (it->e.kind == PG_EDIT_POINTS && strcmp(c->kind, "points") == 0 &&
            strcmp(c->id, it->e.id) == 0)
            return 1;
        if (it->e.kind == PG_EDIT_PARAM && strcmp(c->kind, "method") == 0 &&
            strcmp(c->id, it->e.id) == 0)
            return 1;
        if (it->e.kind == PG_EDIT_WEIGHT && strcmp(c->kind, "weight") == 0) {
            char *id = pg_xasprintf("%s/%s", it->e.id, it->e.key);
            int same = strcmp(c->id, id) == 0;
            free(id);
            if (same) return 1;
        }
    }
    return 0;
}

int pg_edit_verify(const pg_edit_plan *p, const pg_ruleset *a, const pg_ruleset *b, cJSON **changes,
                   pg_diags *d)
{
    *changes = NULL;
    pg_rule_change *ch;
    int n = pg_rulediff(a, b, &ch), status = 0;
    for (int i = 0; i < n && !status; i++)
        if (!asked(p, &ch[i])) {
            pg_error(d, p->dir, 0,
                     "the edit would also change what was not asked (%s): nothing is written; "
                     "edit the file",
                     ch[i].text);
            status = 500;
        }
    for (int i = 0; i < p->n && !status; i++) {
        const pg_edit_item *it = &p->v[i];
        int ok = 1;
        if (it->e.kind == PG_EDIT_POINTS) {
            int nd = pg_strmap_get(&b->node_ids, it->e.id);
            for (int g = 0; ok && g < it->e.ngroups; g++) {
                int gi = pg_strmap_get(&b->group_ids, it->e.groups[g]);
                ok = nd >= 0 && gi >= 0 && b->nodes[nd].points[gi] == it->e.values[g];
            }
        } else if (it->e.kind == PG_EDIT_PARAM) {
            int nd = pg_strmap_get(&b->node_ids, it->e.id);
            pg_method m = nd >= 0 ? b->nodes[nd].method : (pg_method){0};
            double *f = param_field(&m, it->e.key);
            ok = nd >= 0 && f && *f == it->e.values[0];
        } else if (it->e.kind == PG_EDIT_WEIGHT) {
            int s = pg_strmap_get(&b->scheme_ids, it->e.id);
            ok = 0;
            for (int k = 0; s >= 0 && k < b->schemes[s].nparts; k++)
                if (strcmp(b->schemes[s].parts[k].id, it->e.key) == 0)
                    ok = b->schemes[s].parts[k].weight == it->e.values[0];
        } else {
            ok = b->effective == p->effective;
        }
        if (!ok) {
            pg_error(d, it->e.file, it->e.line,
                     "after the edit the rules do not say %s: nothing is written; edit the file",
                     it->what);
            status = 500;
        }
    }
    if (!status && n == 0 && (!p->effective || a->effective == p->effective)) {
        pg_error(d, p->dir, 0, "nothing would change: the rules already say so");
        status = 422;
    }
    if (!status) *changes = pg_rule_changes_json(ch, n);
    pg_rule_changes_free(ch, n);
    return status;
}

/* --- writing ------------------------------------------------------------------------------- */

static int sync_dir(const char *path)
{
    char *copy = pg_xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    free(copy);
    if (fd < 0) return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int pg_edit_write(const pg_edit_plan *p, const pg_edited_file *files, int nfiles, pg_diags *d)
{
    char hex[65];
    int rc = pg_ruledir_hash(p->dir, hex);
    if (rc != 0) {
        pg_error(d, p->dir, 0, "cannot read the rule files: %s", strerror(-rc));
        return 500;
    }
    if (p->base[0] && strcmp(hex, p->base) != 0) {
        pg_error(d, p->dir, 0,
                 "the rule files changed since the edit was prepared (they hash to %.12s, the edit "
                 "was made against %.12s): load the rules again and make the edit anew",
                 hex, p->base);
        return 409;
    }
    char **tmp = pg_xcalloc((size_t)nfiles + 1, sizeof *tmp);
    int status = 0;
    for (int i = 0; i < nfiles && !status; i++) {
        char *path = pg_xasprintf("%s/%s", p->dir, files[i].rel);
        size_t len = 0;
        char *now = slurp(path, &len);
        struct stat st;
        if (!now || stat(path, &st) != 0) {
            pg_error(d, path, 0, "cannot read: %s", strerror(errno));
            status = 500;
        } else if (len != files[i].nbefore || memcmp(now, files[i].before, len) != 0) {
            pg_error(d, path, 0,
                     "the file changed since the edit was prepared: load the rules again and "
                     "make the edit anew");
            status = 409;
        } else {
            char *dir = pg_xstrdup(path), *slash = strrchr(dir, '/');
            *slash = '\0';
            tmp[i] = pg_xasprintf("%s/.%s.pinggu-edit-XXXXXX", dir, slash + 1);
            free(dir);
            int fd = mkstemp(tmp[i]);
            int ok = fd >= 0 && fchmod(fd, st.st_mode & 07777) == 0;
            for (size_t w = 0; ok && w < files[i].nafter;) {
                ssize_t r = write(fd, files[i].after + w, files[i].nafter - w);
                if (r < 0 && errno == EINTR) continue;
                ok = r > 0;
                if (ok) w += (size_t)r;
            }
            ok = ok && fsync(fd) == 0;
            if (fd >= 0 && close(fd) != 0) ok = 0;
            if (!ok) {
                pg_error(d, path, 0, "cannot write the edited file beside it: %s",
                         strerror(errno ? errno : EIO));
                status = 500;
                if (fd < 0) free(tmp[i]), tmp[i] = NULL;
            }
        }
        free(now), free(path);
    }
    for (int i = 0; i < nfiles && !status; i++) {
        char *path = pg_xasprintf("%s/%s", p->dir, files[i].rel);
        if (rename(tmp[i], path) != 0) {
            /* only an earlier file may be new now: say which, since they go together */
            pg_error(d, path, 0, "cannot put the edited file in place: %s%s", strerror(errno),
                     i ? " (the files before it in this edit were written)" : "");
            status = 500;
        } else {
            free(tmp[i]), tmp[i] = NULL;
            sync_dir(path);
        }
        free(path);
    }
    for (int i = 0; i < nfiles; i++)
        if (tmp[i]) unlink(tmp[i]), free(tmp[i]);
    free(tmp);
    return status;
}

/* --- the lines it changed ------------------------------------------------------------------ */

typedef struct {
    const char **s;
    size_t *len;
    int n;
} lines;

static lines split(const char *text, size_t n)
{
    lines l = {0};
    size_t at = 0;
    while (at < n) {
        const char *nl = memchr(text + at, '\n', n - at);
        size_t end = nl ? (size_t)(nl - text) : n;
        l.s = pg_xrealloc(l.s, sizeof *l.s * (size_t)(l.n + 1));
        l.len = pg_xrealloc(l.len, sizeof *l.len * (size_t)(l.n + 1));
        l.s[l.n] = text + at, l.len[l.n++] = end - at;
        at = end + 1;
    }
    return l;
}

static int same_line(const lines *a, int i, const lines *b, int j)
{
    return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

static void add_line(cJSON *arr, int line, const lines *a, int i, const lines *b, int j)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "line", line);
    char *t;
    if (a) {
        t = pg_xasprintf("%.*s", (int)a->len[i], a->s[i]);
        cJSON_AddStringToObject(o, "before", t);
        free(t);
    } else {
        cJSON_AddNullToObject(o, "before");
    }
    if (b) {
        t = pg_xasprintf("%.*s", (int)b->len[j], b->s[j]);
        cJSON_AddStringToObject(o, "after", t);
        free(t);
    } else {
        cJSON_AddNullToObject(o, "after");
    }
    cJSON_AddItemToArray(arr, o);
}

cJSON *pg_edit_lines(const pg_edit_plan *p, const pg_edited_file *files, int nfiles)
{
    cJSON *out = cJSON_CreateArray();
    for (int f = 0; f < nfiles; f++) {
        lines a = split(files[f].before, files[f].nbefore);
        lines b = split(files[f].after, files[f].nafter);
        cJSON *o = cJSON_CreateObject();
        char *path = pg_xasprintf("%s/%s", p->dir, files[f].rel);
        cJSON_AddStringToObject(o, "file", path);
        free(path);
        cJSON *arr = cJSON_AddArrayToObject(o, "lines");
        if (a.n == b.n) { /* literals rewritten in place: the lines that differ */
            for (int i = 0; i < a.n; i++)
                if (!same_line(&a, i, &b, i)) add_line(arr, i + 1, &a, i, &b, i);
        } else { /* a line added (or removed): the lines between the common ends */
            int pre = 0, suf = 0;
            while (pre < a.n && pre < b.n && same_line(&a, pre, &b, pre)) pre++;
            while (suf < a.n - pre && suf < b.n - pre &&
                   same_line(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
                suf++;
            for (int i = pre; i < a.n - suf || i < b.n - suf; i++)
                add_line(arr, i + 1, i < a.n - suf ? &a : NULL, i, i < b.n - suf ? &b : NULL, i);
        }
        cJSON_AddItemToArray(out, o);
        free(a.s), free(a.len), free(b.s), free(b.len);
    }
    return out;
}
