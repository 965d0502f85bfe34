/* JSON rendering of archive events. */
#include "jsonl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

/* 1 for the bytes a JSON string carries as they are (printable ASCII
 * other than '"' and '\\'). */
static const uint8_t json_plain[256] = {
    ['\x20'] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2f, '"' is 0x22 */
    ['\x30'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['\x50'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* '\\' is 0x5c */
    ['\x60'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Nonzero if any of the 8 bytes at p is not plain: < 0x20, '"', '\\' or
 * >= 0x80 (a word-at-a-time test; exact for "any", which is all we ask). */
static inline int needs_escape8(const uint8_t *p)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t x, q, s;
    memcpy(&x, p, 8);
    q = x ^ (ones * '"');
    s = x ^ (ones * '\\');
    return (((x - ones * 0x20) | (q - ones) | (s - ones)) & ~x & high) != 0 || (x & high) != 0;
}

void bv_json_string(bv_buf *b, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    if (n > SIZE_MAX - 2 || bv_buf_reserve(b, n + 2) != BV_OK)
        return; /* b->oom is set */
    /* fast path: the whole string is plain (names, most values) */
    uint8_t *d = b->data + b->len + 1;
    size_t i = 0;
    while (n - i >= 8 && !needs_escape8(p + i)) {
        memcpy(d + i, p + i, 8);
        i += 8;
    }
    while (i < n && json_plain[p[i]]) {
        d[i] = p[i];
        i++;
    }
    d[-1] = '"';
    if (i == n) {
        d[n] = '"';
        b->len += n + 2;
        return;
    }
    b->len += 1 + i;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            bv_buf_put_u8(b, '\\');
            bv_buf_put_u8(b, c);
            i++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': bv_buf_puts(b, "\\n"); break;
            case '\r': bv_buf_puts(b, "\\r"); break;
            case '\t': bv_buf_puts(b, "\\t"); break;
            default: bv_buf_printf(b, "\\u%04x", c); break;
            }
            i++;
        } else if (c < 0x80) {
            /* run of plain ASCII: eight bytes at a time, then one by one */
            size_t j = i;
            while (n - j >= 8 && !needs_escape8(p + j))
                j += 8;
            while (j < n && json_plain[p[j]])
                j++;
            bv_buf_put(b, p + i, j - i);
            i = j;
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l) {
                bv_buf_put(b, p + i, l);
                i += l;
            } else {
                bv_buf_printf(b, "\\u%04x", c);
                i++;
            }
        }
    }
    bv_buf_put_u8(b, '"');
}

void bv_json_base64(bv_buf *b, const uint8_t *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    bv_buf_put_u8(b, '"');
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], tbl[v & 63]};
        bv_buf_put(b, o, 4);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], '=', '='};
        bv_buf_put(b, o, 4);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], '='};
        bv_buf_put(b, o, 4);
    }
    bv_buf_put_u8(b, '"');
}

void bv_json_time(char *out, size_t outlen, uint64_t us)
{
    time_t t = (time_t)(us / 1000000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, outlen, "@%llu", (unsigned long long)(us / 1000000u));
        return;
    }
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(us % 1000000u));
}

static void put_frac(bv_buf *b, uint32_t usec, unsigned fsp)
{
    if (fsp == 0 || fsp > 6)
        return;
    char d[8];
    snprintf(d, sizeof(d), "%06u", usec);
    bv_buf_put_u8(b, '.');
    bv_buf_put(b, d, fsp);
}

/* Shortest decimal text that reads back to the same value. */
static void put_double(bv_buf *b, double d, int is_float)
{
    char tmp[40];
    if (!isfinite(d)) {
        bv_buf_puts(b, "null");
        return;
    }
    for (int prec = is_float ? 6 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
        double back = strtod(tmp, NULL);
        if (is_float ? (float)back == (float)d : back == d)
            break;
    }
    bv_buf_puts(b, tmp);
}

/* MySQL's latin1 is Windows-1252: the code points of bytes 0x80..0x9f
 * (0 where cp1252 leaves a byte undefined: MySQL maps those to U+0081 etc.,
 * i.e. the byte's own value). */
static const uint16_t cp1252_80[32] = {
    0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
    0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
    0x0153, 0x009d, 0x017e, 0x0178,
};

static int is_latin1(uint32_t collation)
{
    switch (collation) {
    case 5: case 8: case 15: case 31: case 47: case 48: case 49: case 94:
        return 1;
    default:
        return 0;
    }
}

/* A latin1 string as a JSON string literal of its Unicode text. */
static void put_latin1(bv_buf *b, const uint8_t *p, size_t n)
{
    bv_buf u;
    bv_buf_init(&u);
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = p[i] >= 0x80 && p[i] < 0xa0 ? cp1252_80[p[i] - 0x80] : p[i];
        if (cp < 0x80) {
            bv_buf_put_u8(&u, (uint8_t)cp);
        } else if (cp < 0x800) {
            bv_buf_put_u8(&u, (uint8_t)(0xc0 | cp >> 6));
            bv_buf_put_u8(&u, (uint8_t)(0x80 | (cp & 0x3f)));
        } else {
            bv_buf_put_u8(&u, (uint8_t)(0xe0 | cp >> 12));
            bv_buf_put_u8(&u, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
            bv_buf_put_u8(&u, (uint8_t)(0x80 | (cp & 0x3f)));
        }
    }
    bv_json_string(b, u.data ? (const char *)u.data : "", u.len);
    bv_buf_release(&u);
}

void bv_json_text(bv_buf *b, const char *p, size_t n, uint32_t charset)
{
    if (charset == 63)
        bv_json_base64(b, (const uint8_t *)p, n);
    else if (is_latin1(charset))
        put_latin1(b, (const uint8_t *)p, n);
    else
        bv_json_string(b, p, n);
}

void bv_json_set(bv_buf *b, uint64_t bits, const bv_column *c)
{
    bv_buf_put_u8(b, '[');
    for (unsigned i = 0, first = 1; i < 64; i++) {
        if (!(bits >> i & 1))
            continue;
        if (!first)
            bv_buf_put_u8(b, ',');
        first = 0;
        if (c && i < c->nmembers)
            bv_json_string(b, c->members[i].ptr, c->members[i].len);
        else
            bv_buf_printf(b, "%u", i); /* a member the schema does not name */
    }
    bv_buf_put_u8(b, ']');
}

static void put_value(bv_buf *b, const bv_value *v, const bv_column *c)
{
    unsigned fsp = c ? c->scale : 0;
    switch (v->kind) {
    case BV_VAL_NULL: bv_buf_puts(b, "null"); break;
    case BV_VAL_INT: bv_buf_printf(b, "%lld", (long long)v->v.i); break;
    case BV_VAL_UINT:
    case BV_VAL_YEAR:
    case BV_VAL_BIT: bv_buf_printf(b, "%llu", (unsigned long long)v->v.u); break;
    case BV_VAL_FLOAT:
        put_double(b, (double)v->v.f, 1);
        break;
    case BV_VAL_DOUBLE:
        put_double(b, v->v.d, 0);
        break;
    case BV_VAL_DECIMAL: bv_buf_put(b, v->v.s.ptr, v->v.s.len); break;
    case BV_VAL_DATE:
        bv_buf_printf(b, "\"%04u-%02u-%02u\"", v->v.dt.year, v->v.dt.month, v->v.dt.day);
        break;
    case BV_VAL_DATETIME:
        bv_buf_printf(b, "\"%04u-%02u-%02u %02u:%02u:%02u", v->v.dt.year, v->v.dt.month, v->v.dt.day, v->v.dt.hour,
             v->v.dt.minute, v->v.dt.second);
        put_frac(b, v->v.dt.usec, fsp);
        bv_buf_put_u8(b, '"');
        break;
    case BV_VAL_TIME:
        bv_buf_printf(b, "\"%s%02u:%02u:%02u", v->v.time.negative ? "-" : "", v->v.time.hour, v->v.time.minute,
             v->v.time.second);
        put_frac(b, v->v.time.usec, fsp);
        bv_buf_put_u8(b, '"');
        break;
    case BV_VAL_TIMESTAMP: {
        time_t t = (time_t)v->v.ts.sec;
        struct tm tm;
        if (v->v.ts.sec == 0 && v->v.ts.usec == 0) {
            /* TIMESTAMP 0 is the zero date (1970-01-01 00:00:00 UTC is out of TIMESTAMP's range) */
            bv_buf_puts(b, "\"0000-00-00 00:00:00");
            put_frac(b, v->v.ts.usec, fsp);
            bv_buf_put_u8(b, '"');
            break;
        }
        if (v->v.ts.sec > (uint64_t)253402300799ull || !gmtime_r(&t, &tm)) {
            bv_buf_printf(b, "%llu", (unsigned long long)v->v.ts.sec); /* beyond year 9999: raw seconds */
            break;
        }
        bv_buf_printf(b, "\"%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
        put_frac(b, v->v.ts.usec, fsp);
        bv_buf_put_u8(b, '"');
        break;
    }
    case BV_VAL_STRING:
        bv_json_text(b, v->v.s.ptr, v->v.s.len, c ? c->charset : 0);
        break;
    case BV_VAL_JSON: bv_buf_put(b, v->v.s.ptr, v->v.s.len); break;
    case BV_VAL_JSON_DIFF:
        /* a partial update: the operations, not the document */
        bv_buf_puts(b, "{\"json_diff\":");
        bv_buf_put(b, v->v.s.ptr, v->v.s.len);
        bv_buf_put_u8(b, '}');
        break;
    case BV_VAL_ENUM:
        if (c && v->v.u >= 1 && v->v.u <= c->nmembers)
            bv_json_string(b, c->members[v->v.u - 1].ptr, c->members[v->v.u - 1].len);
        else if (v->v.u == 0)
            bv_buf_puts(b, "\"\"");
        else
            bv_buf_printf(b, "%llu", (unsigned long long)v->v.u);
        break;
    case BV_VAL_SET: bv_json_set(b, v->v.u, c); break;
    default: /* BYTES, GEOMETRY, VECTOR */
        bv_json_base64(b, (const uint8_t *)v->v.s.ptr, v->v.s.len);
        break;
    }
}

void bv_json_image(bv_buf *b, const bv_event *ev, const bv_value *img, bv_json_value_fn value)
{
    bv_buf_put_u8(b, '{');
    int first = 1;
    for (uint32_t i = 0; i < ev->ncols; i++) {
        const bv_column *c = bv_schema_column(ev->schema, i);
        if (img[i].kind == BV_VAL_ABSENT)
            continue;
        if (!first)
            bv_buf_put_u8(b, ',');
        first = 0;
        bv_json_string(b, c->name.ptr, c->name.len);
        bv_buf_put_u8(b, ':');
        value(b, &img[i], c);
    }
    bv_buf_put_u8(b, '}');
}

static void put_image(bv_buf *b, const char *key, const bv_value *img, const bv_event *ev)
{
    bv_buf_printf(b, ",\"%s\":", key);
    bv_json_image(b, ev, img, put_value);
}

void bv_json_event(bv_buf *b, const bv_event *ev)
{
    char ts[40];
    static const char *const kinds[] = {"xid", "commit", "rollback", "implicit"};
    bv_buf_puts(b, "{\"type\":\"");
    bv_buf_puts(b, bv_event_type_name(ev->type));
    bv_buf_puts(b, "\",\"file\":");
    bv_json_string(b, ev->pos.file.ptr, ev->pos.file.len);
    bv_buf_printf(b, ",\"offset\":%llu", (unsigned long long)ev->pos.offset);
    if (ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE)
        bv_buf_printf(b, ",\"row\":%u", ev->pos.row);
    bv_json_time(ts, sizeof(ts), ev->ts_us);
    bv_buf_printf(b, ",\"ts\":\"%s\"", ts);
    if (ev->gtid.flavor != BV_GTID_NONE && ev->type != BV_EV_ROTATE && ev->type != BV_EV_NOTE) {
        char g[128];
        bv_gtid_format(&ev->gtid, g, sizeof(g));
        bv_buf_printf(b, ",\"gtid\":\"%s\"", g);
    }
    switch (ev->type) {
    case BV_EV_BEGIN:
        bv_buf_printf(b, ",\"server_id\":%u,\"thread_id\":%llu", ev->server_id, (unsigned long long)ev->thread_id);
        break;
    case BV_EV_INSERT:
    case BV_EV_UPDATE:
    case BV_EV_DELETE: {
        bv_str db = bv_schema_database(ev->schema), tb = bv_schema_table(ev->schema);
        bv_buf_puts(b, ",\"database\":");
        bv_json_string(b, db.ptr, db.len);
        bv_buf_puts(b, ",\"table\":");
        bv_json_string(b, tb.ptr, tb.len);
        if (ev->type != BV_EV_INSERT)
            put_image(b, ev->type == BV_EV_UPDATE ? "old" : "data", ev->before, ev);
        if (ev->type != BV_EV_DELETE)
            put_image(b, "data", ev->after, ev);
        break;
    }
    case BV_EV_DDL:
        bv_buf_puts(b, ",\"database\":");
        bv_json_string(b, ev->database.ptr, ev->database.len);
        bv_buf_puts(b, ",\"sql\":");
        bv_json_string(b, ev->sql.ptr, ev->sql.len);
        break;
    case BV_EV_COMMIT:
        bv_buf_printf(b, ",\"kind\":\"%s\",\"xid\":%llu,\"end_offset\":%llu", kinds[ev->commit_kind & 3],
             (unsigned long long)ev->xid, (unsigned long long)ev->end_offset);
        break;
    case BV_EV_ROTATE:
        bv_buf_puts(b, ",\"new_file\":");
        bv_json_string(b, ev->new_file.ptr, ev->new_file.len);
        bv_buf_printf(b, ",\"end_offset\":%llu", (unsigned long long)ev->end_offset);
        break;
    case BV_EV_NOTE:
        bv_buf_printf(b, ",\"level\":\"%s\",\"text\":", ev->note_level ? "warning" : "info");
        bv_json_string(b, ev->text.ptr, ev->text.len);
        break;
    default:
        break;
    }
    bv_buf_put_u8(b, '}');
}
