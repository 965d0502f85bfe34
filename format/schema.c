/* Table schemas: builder, accessors, canonical encoding and decoding. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct bv_schema {
    bv_str db, table;
    uint8_t source;
    bv_column *cols;
    uint32_t ncols, cap;
    uint32_t *pk_cols, *pk_prefix;
    uint32_t npk;
    int finished;
    uint64_t hash;
    bv_buf enc;
};

static char *dupmem(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, p, n);
    d[n] = 0;
    return d;
}

static int dupstr(bv_str *dst, bv_str src)
{
    char *d = dupmem(src.ptr ? src.ptr : "", src.ptr ? src.len : 0);
    if (!d)
        return BV_E_NOMEM;
    dst->ptr = d;
    dst->len = src.ptr ? src.len : 0;
    return BV_OK;
}

bv_schema *bv_schema_new(bv_str database, bv_str table, bv_schema_source source)
{
    bv_schema *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    bv_buf_init(&s->enc);
    s->source = (uint8_t)source;
    if (dupstr(&s->db, database) != BV_OK || dupstr(&s->table, table) != BV_OK) {
        bv_schema_free(s);
        return NULL;
    }
    return s;
}

static void column_release(bv_column *c)
{
    free((void *)c->name.ptr);
    free((void *)c->type_name.ptr);
    if (c->members) {
        for (uint32_t i = 0; i < c->nmembers; i++)
            free((void *)c->members[i].ptr);
        free((void *)c->members);
    }
}

void bv_schema_free(bv_schema *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->ncols; i++)
        column_release(&s->cols[i]);
    free(s->cols);
    free(s->pk_cols);
    free(s->pk_prefix);
    free((void *)s->db.ptr);
    free((void *)s->table.ptr);
    bv_buf_release(&s->enc);
    free(s);
}

int bv_schema_add_column(bv_schema *s, const bv_column *col, char *err, size_t errlen)
{
    int rc = BV_OK;
    if (!s || !col)
        return bv_seterr(err, errlen, BV_E_INVAL, "bv_schema_add_column: NULL argument");
    if (s->finished)
        return bv_seterr(err, errlen, BV_E_STATE, "schema %s.%s is finished", s->db.ptr, s->table.ptr);
    if (s->ncols >= BV_MAX_COLUMNS)
        return bv_seterr(err, errlen, BV_E_RANGE, "schema %s.%s: more than %u columns", s->db.ptr,
                         s->table.ptr, BV_MAX_COLUMNS);
    if (col->name.len > BV_MAX_NAME || col->type_name.len > BV_MAX_NAME)
        return bv_seterr(err, errlen, BV_E_RANGE, "schema %s.%s: column name or type longer than %u bytes",
                         s->db.ptr, s->table.ptr, BV_MAX_NAME);
    if (col->nmembers > BV_MAX_MEMBERS)
        return bv_seterr(err, errlen, BV_E_RANGE, "schema %s.%s: more than %u enum/set members",
                         s->db.ptr, s->table.ptr, BV_MAX_MEMBERS);
    if (s->ncols == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        bv_column *n = realloc(s->cols, cap * sizeof(*n));
        if (!n)
            return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        s->cols = n;
        s->cap = cap;
    }
    bv_column c = *col;
    c.flags &= (uint16_t)~BV_COL_PRIMARY_KEY; /* derived from the key list */
    c.name.ptr = NULL;
    c.type_name.ptr = NULL;
    c.members = NULL;
    c.nmembers = 0;
    if (dupstr(&c.name, col->name) != BV_OK || dupstr(&c.type_name, col->type_name) != BV_OK) {
        rc = BV_E_NOMEM;
        goto out;
    }
    if (col->nmembers) {
        bv_str *m = calloc(col->nmembers, sizeof(*m));
        if (!m) {
            rc = BV_E_NOMEM;
            goto out;
        }
        c.members = m;
        for (uint32_t i = 0; i < col->nmembers; i++) {
            if (col->members[i].len > 0xffff || dupstr(&m[i], col->members[i]) != BV_OK) {
                rc = col->members[i].len > 0xffff ? BV_E_RANGE : BV_E_NOMEM;
                goto out;
            }
            c.nmembers = i + 1;
        }
    }
    s->cols[s->ncols++] = c;
    return BV_OK;
out:
    column_release(&c);
    return bv_seterr(err, errlen, rc, "schema %s.%s: cannot add column: %s", s->db.ptr, s->table.ptr,
                     bv_strerror(rc));
}

int bv_schema_set_primary_key(bv_schema *s, const uint32_t *cols, const uint32_t *prefix,
                              uint32_t ncols, char *err, size_t errlen)
{
    if (!s || (ncols && !cols))
        return bv_seterr(err, errlen, BV_E_INVAL, "bv_schema_set_primary_key: NULL argument");
    if (s->finished)
        return bv_seterr(err, errlen, BV_E_STATE, "schema %s.%s is finished", s->db.ptr, s->table.ptr);
    for (uint32_t i = 0; i < ncols; i++)
        if (cols[i] >= s->ncols)
            return bv_seterr(err, errlen, BV_E_RANGE, "schema %s.%s: primary key column %u of %u",
                             s->db.ptr, s->table.ptr, cols[i], s->ncols);
    uint32_t *pc = ncols ? malloc(ncols * sizeof(*pc)) : NULL;
    uint32_t *pp = ncols ? malloc(ncols * sizeof(*pp)) : NULL;
    if (ncols && (!pc || !pp)) {
        free(pc);
        free(pp);
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < s->ncols; i++)
        s->cols[i].flags &= (uint16_t)~BV_COL_PRIMARY_KEY;
    for (uint32_t i = 0; i < ncols; i++) {
        pc[i] = cols[i];
        pp[i] = prefix ? prefix[i] : 0;
        s->cols[cols[i]].flags |= BV_COL_PRIMARY_KEY;
    }
    free(s->pk_cols);
    free(s->pk_prefix);
    s->pk_cols = pc;
    s->pk_prefix = pp;
    s->npk = ncols;
    return BV_OK;
}

#define COL_FLAGS_KNOWN 0x1fu

static void encode(const bv_schema *s, bv_buf *b)
{
    bv_buf_put_str(b, s->db.ptr, s->db.len);
    bv_buf_put_str(b, s->table.ptr, s->table.len);
    bv_buf_put_u8(b, s->source);
    bv_buf_put_varint(b, s->ncols);
    for (uint32_t i = 0; i < s->ncols; i++) {
        const bv_column *c = &s->cols[i];
        bv_buf_put_str(b, c->name.ptr, c->name.len);
        bv_buf_put_u8(b, c->type);
        bv_buf_put_u8(b, c->real_type);
        bv_buf_put_varint(b, c->flags);
        bv_buf_put_varint(b, c->meta);
        bv_buf_put_varint(b, c->precision);
        bv_buf_put_varint(b, c->scale);
        bv_buf_put_varint(b, c->charset);
        bv_buf_put_varint(b, c->geometry_type);
        bv_buf_put_varint(b, c->vector_dims);
        bv_buf_put_varint(b, c->nmembers);
        for (uint32_t m = 0; m < c->nmembers; m++)
            bv_buf_put_str(b, c->members[m].ptr, c->members[m].len);
        bv_buf_put_str(b, c->type_name.ptr, c->type_name.len);
    }
    bv_buf_put_varint(b, s->npk);
    for (uint32_t i = 0; i < s->npk; i++) {
        bv_buf_put_varint(b, s->pk_cols[i]);
        bv_buf_put_varint(b, s->pk_prefix[i]);
    }
}

int bv_schema_finish(bv_schema *s, char *err, size_t errlen)
{
    if (!s)
        return bv_seterr(err, errlen, BV_E_INVAL, "bv_schema_finish: NULL schema");
    if (s->finished)
        return BV_OK;
    if (s->db.len > BV_MAX_NAME || s->table.len > BV_MAX_NAME)
        return bv_seterr(err, errlen, BV_E_RANGE, "schema %.64s.%.64s: database or table name longer than %d bytes",
                         s->db.ptr, s->table.ptr, BV_MAX_NAME);
    if (s->source > BV_SCHEMA_NO_NAMES)
        return bv_seterr(err, errlen, BV_E_INVAL, "schema %s.%s: unknown schema source %u", s->db.ptr, s->table.ptr,
                         s->source);
    for (uint32_t i = 0; i < s->ncols; i++)
        if (s->cols[i].flags & ~COL_FLAGS_KNOWN)
            return bv_seterr(err, errlen, BV_E_INVAL, "schema %s.%s column %u: unknown flags 0x%x",
                             s->db.ptr, s->table.ptr, i, s->cols[i].flags);
    bv_buf_reset(&s->enc);
    encode(s, &s->enc);
    if (bv_buf_status(&s->enc) != BV_OK)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    s->hash = bv_xxh64(s->enc.data, s->enc.len);
    s->finished = 1;
    return BV_OK;
}

const bv_buf *bv_schema_encoding(const bv_schema *s) { return &s->enc; }
bv_str bv_schema_database(const bv_schema *s) { return s->db; }
bv_str bv_schema_table(const bv_schema *s) { return s->table; }
bv_schema_source bv_schema_get_source(const bv_schema *s) { return (bv_schema_source)s->source; }
uint32_t bv_schema_ncols(const bv_schema *s) { return s->ncols; }
const bv_column *bv_schema_column(const bv_schema *s, uint32_t i) { return i < s->ncols ? &s->cols[i] : NULL; }
const bv_column *bv_schema_columns(const bv_schema *s) { return s->ncols ? s->cols : NULL; }
uint32_t bv_schema_pk_count(const bv_schema *s) { return s->npk; }
uint32_t bv_schema_pk_column(const bv_schema *s, uint32_t i) { return i < s->npk ? s->pk_cols[i] : 0; }
uint32_t bv_schema_pk_prefix(const bv_schema *s, uint32_t i) { return i < s->npk ? s->pk_prefix[i] : 0; }
uint64_t bv_schema_hash(const bv_schema *s) { return s->hash; }

static int cur_strv(bv_cur *c, size_t max, bv_str *out)
{
    const uint8_t *p;
    size_t n;
    int rc = bv_cur_str(c, max, &p, &n);
    if (rc != BV_OK)
        return rc;
    out->ptr = (const char *)p;
    out->len = n;
    return BV_OK;
}

int bv_schema_decode(bv_cur *c, bv_schema **out)
{
    bv_cur start = *c;
    bv_str db, table;
    uint8_t source;
    uint32_t ncols, npk;
    bv_schema *s = NULL;
    uint32_t *pkc = NULL, *pkp = NULL;
    bv_str *members = NULL;
    int rc;

    if ((rc = cur_strv(c, BV_MAX_NAME, &db)) || (rc = cur_strv(c, BV_MAX_NAME, &table)) ||
        (rc = bv_cur_u8(c, &source)) || (rc = bv_cur_varint32(c, &ncols)))
        goto out;
    if (source > BV_SCHEMA_NO_NAMES || ncols > BV_MAX_COLUMNS) {
        rc = BV_E_CORRUPT;
        goto out;
    }
    s = bv_schema_new(db, table, (bv_schema_source)source);
    if (!s) {
        rc = BV_E_NOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < ncols; i++) {
        bv_column col;
        uint32_t flags, prec, scale;
        memset(&col, 0, sizeof(col));
        if ((rc = cur_strv(c, BV_MAX_NAME, &col.name)) || (rc = bv_cur_u8(c, &col.type)) ||
            (rc = bv_cur_u8(c, &col.real_type)) || (rc = bv_cur_varint32(c, &flags)) ||
            (rc = bv_cur_varint32(c, &col.meta)) || (rc = bv_cur_varint32(c, &prec)) ||
            (rc = bv_cur_varint32(c, &scale)) || (rc = bv_cur_varint32(c, &col.charset)) ||
            (rc = bv_cur_varint32(c, &col.geometry_type)) || (rc = bv_cur_varint32(c, &col.vector_dims)) ||
            (rc = bv_cur_varint32(c, &col.nmembers)))
            goto out;
        if ((flags & ~COL_FLAGS_KNOWN) || prec > 0xffff || scale > 0xffff || col.nmembers > BV_MAX_MEMBERS ||
            col.nmembers > c->left) {
            rc = BV_E_CORRUPT;
            goto out;
        }
        col.flags = (uint16_t)flags;
        col.precision = (uint16_t)prec;
        col.scale = (uint16_t)scale;
        if (col.nmembers) {
            members = calloc(col.nmembers, sizeof(*members));
            if (!members) {
                rc = BV_E_NOMEM;
                goto out;
            }
            for (uint32_t m = 0; m < col.nmembers; m++)
                if ((rc = cur_strv(c, 0xffff, &members[m])))
                    goto out;
            col.members = members;
        }
        if ((rc = cur_strv(c, BV_MAX_NAME, &col.type_name)))
            goto out;
        if ((rc = bv_schema_add_column(s, &col, NULL, 0)))
            goto out;
        free(members);
        members = NULL;
    }
    if ((rc = bv_cur_varint32(c, &npk)))
        goto out;
    if (npk > ncols) {
        rc = BV_E_CORRUPT;
        goto out;
    }
    if (npk) {
        pkc = malloc(npk * sizeof(*pkc));
        pkp = malloc(npk * sizeof(*pkp));
        if (!pkc || !pkp) {
            rc = BV_E_NOMEM;
            goto out;
        }
        for (uint32_t i = 0; i < npk; i++) {
            if ((rc = bv_cur_varint32(c, &pkc[i])) || (rc = bv_cur_varint32(c, &pkp[i])))
                goto out;
            if (pkc[i] >= ncols) {
                rc = BV_E_CORRUPT;
                goto out;
            }
        }
    }
    s->pk_cols = pkc;
    s->pk_prefix = pkp;
    s->npk = npk;
    pkc = pkp = NULL;
    for (uint32_t k = 0; k < npk; k++)
        s->cols[s->pk_cols[k]].flags |= BV_COL_PRIMARY_KEY;
    if ((rc = bv_schema_finish(s, NULL, 0)))
        goto out;
    /* Canonical form: re-encoding must give the same bytes. */
    if (s->enc.len != (size_t)(c->p - start.p) || memcmp(s->enc.data, start.p, s->enc.len) != 0) {
        rc = BV_E_CORRUPT;
        goto out;
    }
    *out = s;
    s = NULL;
out:
    free(members);
    free(pkc);
    free(pkp);
    bv_schema_free(s);
    if (rc != BV_OK)
        *c = start;
    return rc;
}
