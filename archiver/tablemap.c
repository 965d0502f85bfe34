/* TABLE_MAP events: column types, per-column metadata, nullability and the
 * optional metadata (binlog_row_metadata) turned into a bv_schema. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog.h"

enum {
    OPT_SIGNEDNESS = 1, OPT_DEFAULT_CHARSET = 2, OPT_COLUMN_CHARSET = 3, OPT_COLUMN_NAME = 4,
    OPT_SET_STR_VALUE = 5, OPT_ENUM_STR_VALUE = 6, OPT_GEOMETRY_TYPE = 7, OPT_SIMPLE_PRIMARY_KEY = 8,
    OPT_PRIMARY_KEY_WITH_PREFIX = 9, OPT_ENUM_AND_SET_DEFAULT_CHARSET = 10,
    OPT_ENUM_AND_SET_COLUMN_CHARSET = 11, OPT_COLUMN_VISIBILITY = 12, OPT_VECTOR_DIMENSIONALITY = 13
};

/* Bytes of TABLE_MAP metadata for a column type, or -1 if unknown. */
static int meta_bytes(uint8_t type)
{
    switch (type) {
    case BV_MYSQL_TYPE_FLOAT:
    case BV_MYSQL_TYPE_DOUBLE:
    case BV_MYSQL_TYPE_BLOB:
    case BV_MYSQL_TYPE_TINY_BLOB:
    case BV_MYSQL_TYPE_MEDIUM_BLOB:
    case BV_MYSQL_TYPE_LONG_BLOB:
    case BV_MYSQL_TYPE_GEOMETRY:
    case BV_MYSQL_TYPE_JSON:
    case BV_MYSQL_TYPE_VECTOR:
    case BV_MYSQL_TYPE_TIMESTAMP2:
    case BV_MYSQL_TYPE_DATETIME2:
    case BV_MYSQL_TYPE_TIME2:
    case 140: /* MariaDB compressed BLOB */
        return 1;
    case BV_MYSQL_TYPE_VARCHAR:
    case BV_MYSQL_TYPE_VAR_STRING:
    case BV_MYSQL_TYPE_BIT:
    case BV_MYSQL_TYPE_NEWDECIMAL:
    case BV_MYSQL_TYPE_STRING:
    case BV_MYSQL_TYPE_ENUM:
    case BV_MYSQL_TYPE_SET:
    case 141: /* MariaDB compressed VARCHAR */
        return 2;
    case BV_MYSQL_TYPE_DECIMAL:
    case BV_MYSQL_TYPE_TINY:
    case BV_MYSQL_TYPE_SHORT:
    case BV_MYSQL_TYPE_LONG:
    case BV_MYSQL_TYPE_NULL:
    case BV_MYSQL_TYPE_TIMESTAMP:
    case BV_MYSQL_TYPE_LONGLONG:
    case BV_MYSQL_TYPE_INT24:
    case BV_MYSQL_TYPE_DATE:
    case BV_MYSQL_TYPE_TIME:
    case BV_MYSQL_TYPE_DATETIME:
    case BV_MYSQL_TYPE_YEAR:
    case BV_MYSQL_TYPE_NEWDATE:
        return 0;
    default:
        return -1;
    }
}

/* Columns that own a bit in the SIGNEDNESS bitmap. MariaDB gives YEAR a
 * bit too; MySQL does not. */
static int is_numeric(uint8_t t, int mariadb)
{
    if (t == BV_MYSQL_TYPE_YEAR)
        return mariadb;
    return t == BV_MYSQL_TYPE_TINY || t == BV_MYSQL_TYPE_SHORT || t == BV_MYSQL_TYPE_INT24 ||
           t == BV_MYSQL_TYPE_LONG || t == BV_MYSQL_TYPE_LONGLONG || t == BV_MYSQL_TYPE_FLOAT ||
           t == BV_MYSQL_TYPE_DOUBLE || t == BV_MYSQL_TYPE_NEWDECIMAL || t == BV_MYSQL_TYPE_DECIMAL;
}

static int is_enum_set(const bv_column *c)
{
    return c->real_type == BV_MYSQL_TYPE_ENUM || c->real_type == BV_MYSQL_TYPE_SET;
}

/* Columns that carry a character set in DEFAULT_CHARSET/COLUMN_CHARSET. */
static int is_char_col(const bv_column *c, int mariadb)
{
    if (is_enum_set(c))
        return 0;
    switch (c->type) {
    case BV_MYSQL_TYPE_STRING:
    case BV_MYSQL_TYPE_VARCHAR:
    case BV_MYSQL_TYPE_VAR_STRING:
    case BV_MYSQL_TYPE_BLOB:
        return 1;
    case BV_MYSQL_TYPE_VECTOR:
        return !mariadb;
    case BV_MYSQL_TYPE_GEOMETRY:
        return mariadb;
    default:
        return 0;
    }
}

void bv_tablemap_release(bv_tablemap *tm)
{
    bv_schema_free(tm->schema);
    memset(tm, 0, sizeof(*tm));
}

typedef struct colbuild {
    bv_column col;
    char name[16];
    bv_str *members;       /* owned array (strings point into the event) */
} colbuild;

/* Default + per-column exceptions charset TLV (types 2 and 10). */
static int apply_default_charset(bv_cur *c, colbuild *cols, uint32_t n, int enumset, int mariadb)
{
    uint64_t def, idx, cs;
    int rc;
    if ((rc = bv_cur_packed(c, &def)))
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        int applies = enumset ? is_enum_set(&cols[i].col) : is_char_col(&cols[i].col, mariadb);
        if (applies)
            cols[i].col.charset = (uint32_t)def;
    }
    while (c->left) {
        if ((rc = bv_cur_packed(c, &idx)) || (rc = bv_cur_packed(c, &cs)))
            return rc;
        uint64_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            int applies = enumset ? is_enum_set(&cols[i].col) : is_char_col(&cols[i].col, mariadb);
            if (!applies)
                continue;
            if (k++ == idx) {
                cols[i].col.charset = (uint32_t)cs;
                break;
            }
        }
    }
    return BV_OK;
}

static int apply_column_charset(bv_cur *c, colbuild *cols, uint32_t n, int enumset, int mariadb)
{
    for (uint32_t i = 0; i < n && c->left; i++) {
        int applies = enumset ? is_enum_set(&cols[i].col) : is_char_col(&cols[i].col, mariadb);
        if (!applies)
            continue;
        uint64_t cs;
        int rc = bv_cur_packed(c, &cs);
        if (rc)
            return rc;
        cols[i].col.charset = (uint32_t)cs;
    }
    return BV_OK;
}

static int apply_members(bv_cur *c, colbuild *cols, uint32_t n, uint8_t which)
{
    for (uint32_t i = 0; i < n && c->left; i++) {
        if (cols[i].col.real_type != which)
            continue;
        uint64_t count;
        int rc = bv_cur_packed(c, &count);
        if (rc)
            return rc;
        if (count > 65535 || count > c->left)
            return BV_E_DECODE;
        bv_str *m = calloc(count ? count : 1, sizeof(*m));
        if (!m)
            return BV_E_NOMEM;
        free(cols[i].members);
        cols[i].members = m;
        for (uint64_t k = 0; k < count; k++) {
            uint64_t len;
            const uint8_t *p;
            if ((rc = bv_cur_packed(c, &len)) || len > c->left || (rc = bv_cur_bytes(c, (size_t)len, &p)))
                return rc ? rc : BV_E_DECODE;
            m[k].ptr = (const char *)p;
            m[k].len = (size_t)len;
        }
        cols[i].col.members = m;
        cols[i].col.nmembers = (uint32_t)count;
    }
    return BV_OK;
}

static int apply_per_type_int(bv_cur *c, colbuild *cols, uint32_t n, uint8_t type, int geometry)
{
    for (uint32_t i = 0; i < n && c->left; i++) {
        if (cols[i].col.type != type)
            continue;
        uint64_t v;
        int rc = bv_cur_packed(c, &v);
        if (rc)
            return rc;
        if (geometry)
            cols[i].col.geometry_type = (uint32_t)v;
        else
            cols[i].col.vector_dims = (uint32_t)v;
    }
    return BV_OK;
}

int bv_binlog_parse_table_map(const bv_rawev *ev, const bv_fde *fde, bv_tablemap *tm, char *err, size_t errlen)
{
    bv_cur c = bv_cur_make(ev->body, ev->body_len);
    const uint8_t *p, *types, *meta, *nulls, *db, *tb;
    uint8_t dblen, tblen, nul;
    uint64_t ncols, metalen;
    uint16_t tflags;
    colbuild *cols = NULL;
    bv_schema *s = NULL;
    uint32_t *pk = NULL, *pkp = NULL, npk = 0;
    int rc, have_names = 0;
    char msg[160] = "";
    unsigned idlen = fde->post_header[BV_BL_TABLE_MAP] == 6 ? 4 : 6;

    memset(tm, 0, sizeof(*tm));
    if ((rc = bv_cur_bytes(&c, idlen, &p)))
        goto bad;
    tm->table_id = bv_rdle(p, idlen);
    if ((rc = bv_cur_u16le(&c, &tflags)) || (rc = bv_cur_u8(&c, &dblen)) || (rc = bv_cur_bytes(&c, dblen, &db)) ||
        (rc = bv_cur_u8(&c, &nul)) || (rc = bv_cur_u8(&c, &tblen)) || (rc = bv_cur_bytes(&c, tblen, &tb)) ||
        (rc = bv_cur_u8(&c, &nul)) || (rc = bv_cur_packed(&c, &ncols)))
        goto bad;
    if (ncols == 0 || ncols > 4096 || ncols > c.left) {
        snprintf(msg, sizeof(msg), "column count %llu", (unsigned long long)ncols);
        rc = BV_E_DECODE;
        goto bad;
    }
    if ((rc = bv_cur_bytes(&c, (size_t)ncols, &types)) || (rc = bv_cur_packed(&c, &metalen)) ||
        metalen > c.left || (rc = bv_cur_bytes(&c, (size_t)metalen, &meta)) ||
        (rc = bv_cur_bytes(&c, (size_t)(ncols + 7) / 8, &nulls))) {
        rc = rc ? rc : BV_E_TRUNCATED;
        goto bad;
    }
    cols = calloc((size_t)ncols, sizeof(*cols));
    if (!cols) {
        rc = BV_E_NOMEM;
        goto bad;
    }
    /* per-column metadata */
    bv_cur mc = bv_cur_make(meta, (size_t)metalen);
    for (uint32_t i = 0; i < ncols; i++) {
        bv_column *col = &cols[i].col;
        int mb = meta_bytes(types[i]);
        const uint8_t *m;
        if (mb < 0) {
            snprintf(msg, sizeof(msg), "column %u has unknown type %u", i + 1, types[i]);
            rc = BV_E_DECODE;
            goto bad;
        }
        if ((rc = bv_cur_bytes(&mc, (size_t)mb, &m))) {
            snprintf(msg, sizeof(msg), "metadata of column %u truncated", i + 1);
            goto bad;
        }
        col->type = col->real_type = types[i];
        switch (types[i]) {
        case BV_MYSQL_TYPE_STRING:
        case BV_MYSQL_TYPE_ENUM:
        case BV_MYSQL_TYPE_SET: {
            uint32_t len;
            col->meta = (uint32_t)m[0] << 8 | m[1];
            bv_string_meta(col->meta, &col->real_type, &len);
            break;
        }
        case BV_MYSQL_TYPE_NEWDECIMAL:
            col->meta = (uint32_t)m[0] << 8 | m[1];
            col->precision = m[0];
            col->scale = m[1];
            break;
        case BV_MYSQL_TYPE_BIT:
            col->meta = (uint32_t)m[1] << 8 | m[0];
            break;
        case BV_MYSQL_TYPE_TIMESTAMP2:
        case BV_MYSQL_TYPE_DATETIME2:
        case BV_MYSQL_TYPE_TIME2:
            col->meta = m[0];
            col->scale = m[0];
            break;
        default:
            col->meta = mb == 2 ? (uint32_t)(m[0] | m[1] << 8) : mb == 1 ? m[0] : 0;
            break;
        }
        if (nulls[i / 8] & (1u << (i % 8)))
            col->flags |= BV_COL_NULLABLE;
        snprintf(cols[i].name, sizeof(cols[i].name), "@%u", i + 1);
        col->name.ptr = cols[i].name;
        col->name.len = strlen(cols[i].name);
    }
    /* optional metadata TLVs, in any order */
    while (c.left) {
        uint8_t t;
        uint64_t len;
        const uint8_t *v;
        if ((rc = bv_cur_u8(&c, &t)) || (rc = bv_cur_packed(&c, &len)) || len > c.left ||
            (rc = bv_cur_bytes(&c, (size_t)len, &v))) {
            snprintf(msg, sizeof(msg), "optional metadata truncated");
            rc = rc ? rc : BV_E_TRUNCATED;
            goto bad;
        }
        bv_cur tc = bv_cur_make(v, (size_t)len);
        switch (t) {
        case OPT_SIGNEDNESS: {
            uint32_t k = 0;
            for (uint32_t i = 0; i < ncols; i++) {
                if (!is_numeric(cols[i].col.type, fde->mariadb))
                    continue;
                if (k / 8 < len && (v[k / 8] & (0x80u >> (k % 8))))
                    cols[i].col.flags |= BV_COL_UNSIGNED;
                k++;
            }
            break;
        }
        case OPT_DEFAULT_CHARSET:
        case OPT_ENUM_AND_SET_DEFAULT_CHARSET:
            rc = apply_default_charset(&tc, cols, (uint32_t)ncols, t == OPT_ENUM_AND_SET_DEFAULT_CHARSET, fde->mariadb);
            break;
        case OPT_COLUMN_CHARSET:
        case OPT_ENUM_AND_SET_COLUMN_CHARSET:
            rc = apply_column_charset(&tc, cols, (uint32_t)ncols, t == OPT_ENUM_AND_SET_COLUMN_CHARSET, fde->mariadb);
            break;
        case OPT_COLUMN_NAME:
            for (uint32_t i = 0; i < ncols && tc.left; i++) {
                uint64_t nl;
                const uint8_t *np;
                if ((rc = bv_cur_packed(&tc, &nl)) || nl > 255 || (rc = bv_cur_bytes(&tc, (size_t)nl, &np))) {
                    rc = rc ? rc : BV_E_DECODE;
                    break;
                }
                cols[i].col.name.ptr = (const char *)np;
                cols[i].col.name.len = (size_t)nl;
                have_names = 1;
            }
            break;
        case OPT_SET_STR_VALUE:
            rc = apply_members(&tc, cols, (uint32_t)ncols, BV_MYSQL_TYPE_SET);
            break;
        case OPT_ENUM_STR_VALUE:
            rc = apply_members(&tc, cols, (uint32_t)ncols, BV_MYSQL_TYPE_ENUM);
            break;
        case OPT_GEOMETRY_TYPE:
            rc = apply_per_type_int(&tc, cols, (uint32_t)ncols, BV_MYSQL_TYPE_GEOMETRY, 1);
            break;
        case OPT_VECTOR_DIMENSIONALITY:
            rc = apply_per_type_int(&tc, cols, (uint32_t)ncols, BV_MYSQL_TYPE_VECTOR, 0);
            break;
        case OPT_SIMPLE_PRIMARY_KEY:
        case OPT_PRIMARY_KEY_WITH_PREFIX:
            free(pk);
            free(pkp);
            pk = calloc((size_t)ncols, sizeof(*pk));
            pkp = calloc((size_t)ncols, sizeof(*pkp));
            npk = 0;
            if (!pk || !pkp) {
                rc = BV_E_NOMEM;
                break;
            }
            while (tc.left && npk < ncols) {
                uint64_t idx, pre = 0;
                if ((rc = bv_cur_packed(&tc, &idx)) ||
                    (t == OPT_PRIMARY_KEY_WITH_PREFIX && (rc = bv_cur_packed(&tc, &pre))))
                    break;
                if (idx >= ncols) {
                    rc = BV_E_DECODE;
                    break;
                }
                pk[npk] = (uint32_t)idx;
                pkp[npk++] = (uint32_t)pre;
            }
            break;
        case OPT_COLUMN_VISIBILITY:
            for (uint32_t i = 0; i < ncols && i / 8 < len; i++)
                if (!(v[i / 8] & (0x80u >> (i % 8))))
                    cols[i].col.flags |= BV_COL_INVISIBLE;
            break;
        default:
            break; /* unknown optional metadata: skipped by its length */
        }
        if (rc) {
            snprintf(msg, sizeof(msg), "optional metadata type %u malformed", t);
            goto bad;
        }
    }
    for (uint32_t i = 0; i < ncols; i++)
        if (cols[i].col.charset == 63)
            cols[i].col.flags |= BV_COL_BINARY;
    bv_str dbs = {(const char *)db, dblen}, tbs = {(const char *)tb, tblen};
    s = bv_schema_new(dbs, tbs, have_names ? BV_SCHEMA_FROM_TABLE_MAP : BV_SCHEMA_NO_NAMES);
    if (!s) {
        rc = BV_E_NOMEM;
        goto bad;
    }
    for (uint32_t i = 0; i < ncols; i++)
        if ((rc = bv_schema_add_column(s, &cols[i].col, msg, sizeof(msg))))
            goto bad;
    if (npk && (rc = bv_schema_set_primary_key(s, pk, pkp, npk, msg, sizeof(msg))))
        goto bad;
    if ((rc = bv_schema_finish(s, msg, sizeof(msg))))
        goto bad;
    tm->schema = s;
    tm->ncols = (uint32_t)ncols;
    s = NULL;
    rc = BV_OK;
    goto out;
bad:
    rc = bv_seterr(err, errlen, rc == BV_E_NOMEM ? rc : BV_E_DECODE, "offset %llu: TABLE_MAP: %s%s%s",
                   (unsigned long long)ev->offset, msg[0] ? msg : "malformed", msg[0] ? "" : ": ",
                   msg[0] ? "" : bv_strerror(rc));
out:
    if (cols)
        for (uint32_t i = 0; i < ncols; i++)
            free(cols[i].members);
    free(cols);
    free(pk);
    free(pkp);
    bv_schema_free(s);
    return rc;
}
