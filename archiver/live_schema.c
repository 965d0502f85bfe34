/* Column names from a live server's information_schema (live.h), for
 * binlogs written without binlog_row_metadata=FULL.
 *
 * The TABLE_MAP still gives the column types and metadata; the server adds
 * the names, the SQL type (with "unsigned", which the TABLE_MAP lacks
 * without metadata), the collation, ENUM/SET members and the primary key.
 * This is the table as it is *now*: when the archiver reads old binlog
 * events of a table that has changed since, the names can be wrong, which
 * is why every such schema comes with a warning NOTE in the archive, and
 * why a column-count mismatch keeps the @1..@n names. */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applog.h"
#include "binlog.h"
#include "live.h"

typedef struct icol {
    char *name, *type;
    uint32_t charset;
} icol;

typedef struct ientry {
    char *db, *table;
    uint32_t ncols;
    icol *cols;
    uint32_t npk;
    uint32_t *pk;
} ientry;

struct bv_schema_src {
    const bv_live_opts *o;
    MYSQL *my;
    ientry *e;
    size_t n, cap;
};

bv_schema_src *bv_schema_src_new(const bv_live_opts *o)
{
    bv_schema_src *s = calloc(1, sizeof(*s));
    if (s)
        s->o = o;
    return s;
}

static void entry_free(ientry *e)
{
    for (uint32_t i = 0; i < e->ncols; i++) {
        free(e->cols[i].name);
        free(e->cols[i].type);
    }
    free(e->cols);
    free(e->pk);
    free(e->db);
    free(e->table);
}

void bv_schema_src_invalidate(bv_schema_src *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        entry_free(&s->e[i]);
    s->n = 0;
}

void bv_schema_src_free(bv_schema_src *s)
{
    if (!s)
        return;
    bv_schema_src_invalidate(s);
    free(s->e);
    if (s->my)
        mysql_close(s->my);
    free(s);
}

static int connect_src(bv_schema_src *s, char *why, size_t whylen)
{
    if (s->my)
        return 0;
    s->my = mysql_init(NULL);
    if (!s->my) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    bv_live_client_options(s->o, s->my);
    if (!mysql_real_connect(s->my, bv_live_host(s->o), s->o->user, s->o->password, NULL, s->o->port, s->o->socket,
                            0)) {
        snprintf(why, whylen, "cannot connect for information_schema: %s", mysql_error(s->my));
        mysql_close(s->my);
        s->my = NULL;
        return -1;
    }
    return 0;
}

/* Run q and return its result (NULL with why set on failure). */
static MYSQL_RES *run_query(bv_schema_src *s, const char *q, char *why, size_t whylen)
{
    MYSQL_RES *r = NULL;
    if (mysql_query(s->my, q) || !(r = mysql_store_result(s->my))) {
        snprintf(why, whylen, "information_schema query failed: %s", mysql_error(s->my));
        mysql_close(s->my); /* reconnect next time */
        s->my = NULL;
        return NULL;
    }
    return r;
}

static int fetch_entry(bv_schema_src *s, const char *db, const char *tb, ientry *e, char *why, size_t whylen)
{
    memset(e, 0, sizeof(*e));
    char edb[2 * 255 + 1], etb[2 * 255 + 1], q[2048];
    if (connect_src(s, why, whylen))
        return -1;
    if (strlen(db) > 255 || strlen(tb) > 255) {
        snprintf(why, whylen, "name too long");
        return -1;
    }
    mysql_real_escape_string(s->my, edb, db, (unsigned long)strlen(db));
    mysql_real_escape_string(s->my, etb, tb, (unsigned long)strlen(tb));
    snprintf(q, sizeof(q),
             "SELECT c.COLUMN_NAME, c.COLUMN_TYPE, IFNULL(co.ID, 0) FROM information_schema.COLUMNS c "
             "LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME "
             "WHERE c.TABLE_SCHEMA = '%s' AND c.TABLE_NAME = '%s' ORDER BY c.ORDINAL_POSITION",
             edb, etb);
    MYSQL_RES *r = run_query(s, q, why, whylen);
    if (!r)
        return -1;
    uint64_t n = mysql_num_rows(r);
    e->db = strdup(db);
    e->table = strdup(tb);
    e->cols = calloc(n ? n : 1, sizeof(*e->cols));
    e->pk = calloc(n ? n : 1, sizeof(*e->pk));
    int rc = e->db && e->table && e->cols && e->pk ? 0 : -1;
    MYSQL_ROW row;
    while (rc == 0 && (row = mysql_fetch_row(r)) != NULL && e->ncols < n) {
        icol *c = &e->cols[e->ncols++];
        c->name = strdup(row[0] ? row[0] : "");
        c->type = strdup(row[1] ? row[1] : "");
        c->charset = row[2] ? (uint32_t)strtoul(row[2], NULL, 10) : 0;
        if (!c->name || !c->type)
            rc = -1;
    }
    mysql_free_result(r);
    if (rc) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    snprintf(q, sizeof(q),
             "SELECT c.ORDINAL_POSITION FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c "
             "ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = "
             "s.COLUMN_NAME WHERE s.TABLE_SCHEMA = '%s' AND s.TABLE_NAME = '%s' AND s.INDEX_NAME = 'PRIMARY' "
             "ORDER BY s.SEQ_IN_INDEX",
             edb, etb);
    r = run_query(s, q, why, whylen);
    if (!r)
        return -1;
    while ((row = mysql_fetch_row(r)) != NULL && e->npk < e->ncols) {
        unsigned long pos = row[0] ? strtoul(row[0], NULL, 10) : 0;
        if (pos >= 1 && pos <= e->ncols)
            e->pk[e->npk++] = (uint32_t)(pos - 1);
    }
    mysql_free_result(r);
    return 0;
}

/* ENUM/SET members from "enum('a','it''s')": count, then fill. */
static uint32_t parse_members(const char *type, bv_str *out, char *buf)
{
    const char *p = strchr(type, '(');
    uint32_t n = 0;
    size_t o = 0;
    if (!p)
        return 0;
    p++;
    while (*p == '\'') {
        const char *start = buf ? buf + o : NULL;
        size_t len = 0;
        for (p++; *p; p++) {
            if (*p == '\'' && p[1] == '\'') {
                p++;
            } else if (*p == '\'') {
                break;
            }
            if (buf)
                buf[o++] = *p;
            len++;
        }
        if (*p != '\'')
            return 0; /* unterminated: no members */
        p++;
        if (out) {
            out[n].ptr = start;
            out[n].len = len;
        }
        n++;
        if (*p == ',')
            p++;
    }
    return n;
}

static bv_schema *build(const bv_schema *tm, const ientry *e, char *why, size_t whylen)
{
    bv_schema *s = bv_schema_new(bv_schema_database(tm), bv_schema_table(tm), BV_SCHEMA_FROM_LIVE);
    int rc = s ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < e->ncols; i++) {
        bv_column c = *bv_schema_column(tm, i);
        const icol *ic = &e->cols[i];
        bv_str *members = NULL;
        char *mbuf = NULL;
        c.name.ptr = ic->name;
        c.name.len = strlen(ic->name);
        c.type_name.ptr = ic->type;
        c.type_name.len = strlen(ic->type);
        c.flags &= (uint16_t)~BV_COL_PRIMARY_KEY;
        if (strstr(ic->type, " unsigned"))
            c.flags |= BV_COL_UNSIGNED;
        if (!c.charset && ic->charset)
            c.charset = ic->charset;
        if (c.charset == 63)
            c.flags |= BV_COL_BINARY;
        if ((c.real_type == BV_MYSQL_TYPE_ENUM || c.real_type == BV_MYSQL_TYPE_SET) && !c.nmembers &&
            (!strncmp(ic->type, "enum(", 5) || !strncmp(ic->type, "set(", 4))) {
            uint32_t nm = parse_members(ic->type, NULL, NULL);
            members = calloc(nm ? nm : 1, sizeof(*members));
            mbuf = malloc(strlen(ic->type) + 1);
            if (members && mbuf) {
                c.nmembers = parse_members(ic->type, members, mbuf);
                c.members = members;
            }
        }
        if (bv_schema_add_column(s, &c, why, whylen))
            rc = -1;
        free(members);
        free(mbuf);
    }
    if (rc == 0 && e->npk && bv_schema_set_primary_key(s, e->pk, NULL, e->npk, why, whylen))
        rc = -1;
    if (rc == 0 && bv_schema_finish(s, why, whylen))
        rc = -1;
    if (rc) {
        bv_schema_free(s);
        return NULL;
    }
    return s;
}

int bv_schema_src_resolve(void *src, const bv_schema *tm, bv_schema **out, char *note, size_t notelen)
{
    bv_schema_src *s = src;
    char db[256], tb[256], why[512] = "";
    bv_str d = bv_schema_database(tm), t = bv_schema_table(tm);
    snprintf(db, sizeof(db), "%.*s", (int)d.len, d.ptr);
    snprintf(tb, sizeof(tb), "%.*s", (int)t.len, t.ptr);
    *out = NULL;
    note[0] = 0;
    ientry *e = NULL;
    int fresh = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].db, db) && !strcmp(s->e[i].table, tb)) {
            e = &s->e[i];
            break;
        }
    if (!e) {
        ientry ne;
        if (fetch_entry(s, db, tb, &ne, why, sizeof(why))) {
            entry_free(&ne);
            snprintf(note, notelen,
                     "%s.%s: no column names in the binlog (binlog_row_metadata is not FULL) and %s: columns are "
                     "archived as @1..@n",
                     db, tb, why);
            bv_log(BV_LOG_WARN, "%s", note);
            return BV_OK;
        }
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            ientry *n = realloc(s->e, cap * sizeof(*n));
            if (!n) {
                entry_free(&ne);
                snprintf(note, notelen, "out of memory");
                return BV_E_NOMEM;
            }
            s->e = n;
            s->cap = cap;
        }
        s->e[s->n] = ne;
        e = &s->e[s->n++];
        fresh = 1;
    }
    if (e->ncols != bv_schema_ncols(tm)) {
        if (fresh) {
            snprintf(note, notelen,
                     "%s.%s: no column names in the binlog (binlog_row_metadata is not FULL), and the server's "
                     "information_schema has %u columns where the binlog has %u (the table changed since): columns "
                     "are archived as @1..@n",
                     db, tb, e->ncols, bv_schema_ncols(tm));
            bv_log(BV_LOG_WARN, "%s", note);
        }
        return BV_OK;
    }
    *out = build(tm, e, why, sizeof(why));
    if (!*out) {
        snprintf(note, notelen, "%s.%s: cannot build the schema from information_schema: %s", db, tb, why);
        return BV_OK;
    }
    if (fresh) {
        snprintf(note, notelen,
                 "%s.%s: column names taken from the live server's information_schema (binlog_row_metadata is not "
                 "FULL); they are the table's current names, which may differ from those when this event was "
                 "written",
                 db, tb);
        bv_log(BV_LOG_INFO, "%s", note);
    }
    return BV_OK;
}
