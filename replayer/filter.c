/* Maxwell-style filters (filter.h). */
#include "filter.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "maxwell.h"

typedef struct pat {
    int any;      /* * */
    int is_re;
    int is_null;  /* the value pattern "null" */
    char *text;   /* exact text */
    regex_t re;
} pat;

typedef struct rule {
    int include;
    pat db, tb;
    int has_col;
    char *col;
    pat val;
} rule;

struct bv_filter {
    rule *r;
    size_t n;
};

static void pat_free(pat *p)
{
    if (p->is_re)
        regfree(&p->re);
    free(p->text);
}

void bv_filter_free(bv_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        pat_free(&f->r[i].db);
        pat_free(&f->r[i].tb);
        pat_free(&f->r[i].val);
        free(f->r[i].col);
    }
    free(f->r);
    free(f);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

/* Parse one name pattern from *s up to a stop character (or the end). */
static int pat_parse(char **s, const char *stops, pat *p, int anchored_re, char *err, size_t errlen)
{
    char *q = *s;
    memset(p, 0, sizeof(*p));
    if (*q == '/') {
        char *end = strchr(q + 1, '/');
        if (!end)
            return bv_seterr(err, errlen, BV_E_INVAL, "unterminated /regex/ in %s", q);
        *end = 0;
        char re[1024];
        snprintf(re, sizeof(re), anchored_re ? "^(%s)$" : "%s", q + 1);
        if (regcomp(&p->re, re, REG_EXTENDED | REG_NOSUB) != 0)
            return bv_seterr(err, errlen, BV_E_INVAL, "invalid regex /%s/", q + 1);
        p->is_re = 1;
        *s = end + 1;
        return BV_OK;
    }
    if (*q == '`' || *q == '"' || *q == '\'') {
        char quote = *q;
        char *end = strchr(q + 1, quote);
        if (!end)
            return bv_seterr(err, errlen, BV_E_INVAL, "unterminated quoted name in %s", q);
        *end = 0;
        p->text = strdup(q + 1);
        *s = end + 1;
        return p->text ? BV_OK : BV_E_NOMEM;
    }
    size_t n = strcspn(q, stops);
    char c = q[n];
    q[n] = 0;
    char *t = trim(q);
    if (!strcmp(t, "*"))
        p->any = 1;
    else if (!*t)
        return bv_seterr(err, errlen, BV_E_INVAL, "empty name");
    else if (!(p->text = strdup(t)))
        return BV_E_NOMEM;
    q[n] = c;
    *s = q + n;
    return BV_OK;
}

bv_filter *bv_filter_parse(const char *text, char *err, size_t errlen)
{
    bv_filter *f = calloc(1, sizeof(*f));
    char *copy = strdup(text ? text : "");
    if (!f || !copy)
        goto oom;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *it = trim(item);
        if (!*it)
            continue;
        char *colon = strchr(it, ':');
        if (!colon) {
            bv_seterr(err, errlen, BV_E_INVAL, "--filter: rule \"%s\": expected include:, exclude: or blacklist:", it);
            goto fail;
        }
        *colon = 0;
        char *kw = trim(it);
        rule r;
        memset(&r, 0, sizeof(r));
        if (!strcasecmp(kw, "include"))
            r.include = 1;
        else if (strcasecmp(kw, "exclude") != 0 && strcasecmp(kw, "blacklist") != 0) {
            bv_seterr(err, errlen, BV_E_INVAL, "--filter: unknown rule type \"%s\" (include, exclude, blacklist)", kw);
            goto fail;
        }
        char *s = trim(colon + 1);
        char e2[300];
        if (pat_parse(&s, ".", &r.db, 0, e2, sizeof(e2)) || *s != '.' ||
            (s++, pat_parse(&s, ".=", &r.tb, 0, e2, sizeof(e2)))) {
            bv_seterr(err, errlen, BV_E_INVAL, "--filter: rule \"%s: %s\": expected DB.TABLE%s%s", kw, colon + 1,
                      e2[0] ? ": " : "", e2[0] ? e2 : "");
            pat_free(&r.db);
            pat_free(&r.tb);
            goto fail;
        }
        if (*s == '.') {
            s++;
            char *eq = strchr(s, '=');
            if (!eq) {
                bv_seterr(err, errlen, BV_E_INVAL, "--filter: column rule needs COLUMN=VALUE");
                pat_free(&r.db);
                pat_free(&r.tb);
                goto fail;
            }
            *eq = 0;
            r.has_col = 1;
            r.col = strdup(trim(s));
            s = trim(eq + 1);
            if (!r.col || pat_parse(&s, "", &r.val, 0, e2, sizeof(e2))) {
                bv_seterr(err, errlen, BV_E_INVAL, "--filter: bad column value pattern");
                pat_free(&r.db);
                pat_free(&r.tb);
                free(r.col);
                goto fail;
            }
            if (r.val.text && !strcmp(r.val.text, "null"))
                r.val.is_null = 1;
        }
        rule *n = realloc(f->r, (f->n + 1) * sizeof(*n));
        if (!n)
            goto oom;
        f->r = n;
        f->r[f->n++] = r;
    }
    free(copy);
    return f;
oom:
    bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
fail:
    free(copy);
    bv_filter_free(f);
    return NULL;
}

static int name_match(const pat *p, const char *s, size_t n)
{
    if (p->any)
        return 1;
    char buf[512];
    snprintf(buf, sizeof(buf), "%.*s", (int)(n < 511 ? n : 511), s);
    if (p->is_re)
        return regexec(&p->re, buf, 0, NULL, 0) == 0;
    return p->text && strcmp(p->text, buf) == 0;
}

static int table_match(const rule *r, bv_str db, bv_str tb)
{
    return name_match(&r->db, db.ptr, db.len) && name_match(&r->tb, tb.ptr, tb.len);
}

int bv_filter_row(const bv_filter *f, const bv_event *ev)
{
    if (!f)
        return 1;
    bv_str db = bv_schema_database(ev->schema), tb = bv_schema_table(ev->schema);
    int inc = 1;
    const bv_value *img = ev->type == BV_EV_DELETE ? ev->before : ev->after;
    for (size_t i = 0; i < f->n; i++) {
        const rule *r = &f->r[i];
        if (!table_match(r, db, tb))
            continue;
        if (!r->has_col) {
            inc = r->include;
            continue;
        }
        for (uint32_t c = 0; c < ev->ncols; c++) {
            const bv_column *col = bv_schema_column(ev->schema, c);
            if (col->name.len != strlen(r->col) || memcmp(col->name.ptr, r->col, col->name.len) != 0)
                continue;
            const bv_value *v = &img[c];
            if (v->kind == BV_VAL_ABSENT && ev->before)
                v = &ev->before[c];
            if (v->kind == BV_VAL_ABSENT)
                break;
            int m;
            if (r->val.any)
                m = 1;
            else if (v->kind == BV_VAL_NULL)
                m = r->val.is_null;
            else {
                bv_buf t;
                bv_buf_init(&t);
                bv_mx_value_text(&t, v, col);
                bv_buf_put_u8(&t, 0);
                m = !t.oom && name_match(&r->val, (const char *)t.data, t.len - 1);
                if (r->val.is_null && !m)
                    m = !strcasecmp((const char *)t.data, "null");
                bv_buf_release(&t);
            }
            if (m)
                inc = r->include;
            break;
        }
    }
    return inc;
}

int bv_filter_ddl(const bv_filter *f, const char *db, size_t dblen)
{
    if (!f)
        return 1;
    int inc = 1;
    bv_str d = {db, dblen}, t = {"", 0};
    for (size_t i = 0; i < f->n; i++)
        if (!f->r[i].has_col && name_match(&f->r[i].db, d.ptr, d.len) && (f->r[i].tb.any || f->r[i].tb.is_re))
            inc = f->r[i].include;
    (void)t;
    return inc;
}

/* ------------------------------------------------------------ columns */

struct bv_colset {
    pat *p;
    size_t n;
};

bv_colset *bv_colset_parse(const char *text, char *err, size_t errlen)
{
    bv_colset *c = calloc(1, sizeof(*c));
    char *copy = strdup(text ? text : "");
    if (!c || !copy) {
        free(copy);
        free(c);
        bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        return NULL;
    }
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *s = trim(item);
        if (!*s)
            continue;
        pat p;
        char e2[300] = "";
        pat *n = realloc(c->p, (c->n + 1) * sizeof(*n));
        if (!n || pat_parse(&s, "", &p, 1, e2, sizeof(e2))) {
            bv_seterr(err, errlen, BV_E_INVAL, "--exclude-columns: %s", e2[0] ? e2 : "out of memory");
            if (n)
                c->p = n;
            free(copy);
            bv_colset_free(c);
            return NULL;
        }
        c->p = n;
        c->p[c->n++] = p;
    }
    free(copy);
    return c;
}

void bv_colset_free(bv_colset *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        pat_free(&c->p[i]);
    free(c->p);
    free(c);
}

int bv_colset_has(void *colset, const char *name, size_t len)
{
    const bv_colset *c = colset;
    for (size_t i = 0; c && i < c->n; i++)
        if (name_match(&c->p[i], name, len))
            return 1;
    return 0;
}
