/* Unit tests for the MySQL binary JSON decoder (bv_json_binary_to_text).
 *
 * Vectors: [fixture] = binary JSON cut out of the real binlogs in
 * /work/shared/fixtures/binlog (JSON column values), [msmp] = the
 * msmp/jsonb.terms set (MySQL binary JSON with the expected values), the
 * rest are built here with a small encoder for the documented layout. Each
 * valid document is decoded from an exact-size heap copy (ASan catches
 * overreads), its text is compared with MySQL's, checked to be valid JSON
 * and UTF-8, and every truncation must be rejected without touching the
 * output buffer. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binlog.h"
#include "harness.h"

#define BYTES(s) (const uint8_t *)(s), (sizeof(s) - 1)

/* ------------------------------------------------------------ a strict JSON validator */

typedef struct vj {
    const uint8_t *p, *end;
    int depth;
} vj;

static int vj_value(vj *v);

static void vj_ws(vj *v)
{
    while (v->p < v->end && (*v->p == ' ' || *v->p == '\n' || *v->p == '\t' || *v->p == '\r'))
        v->p++;
}

static int vj_lit(vj *v, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(v->end - v->p) < n || memcmp(v->p, s, n) != 0)
        return 0;
    v->p += n;
    return 1;
}

static int vj_hex(int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static int vj_string(vj *v)
{
    if (v->p >= v->end || *v->p != '"')
        return 0;
    v->p++;
    while (v->p < v->end) {
        uint8_t c = *v->p;
        if (c == '"') {
            v->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (v->end - v->p < 2)
                return 0;
            uint8_t e = v->p[1];
            if (e == 'u') {
                if (v->end - v->p < 6 || !vj_hex(v->p[2]) || !vj_hex(v->p[3]) || !vj_hex(v->p[4]) ||
                    !vj_hex(v->p[5]))
                    return 0;
                v->p += 6;
            } else if (strchr("\"\\/bfnrt", e) && e) {
                v->p += 2;
            } else {
                return 0;
            }
            continue;
        }
        if (c < 0x80) {
            v->p++;
            continue;
        }
        /* strict UTF-8 */
        size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (!len || (size_t)(v->end - v->p) < len)
            return 0;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
        if (v->p[1] < lo || v->p[1] > hi)
            return 0;
        for (size_t i = 2; i < len; i++)
            if ((v->p[i] & 0xc0) != 0x80)
                return 0;
        v->p += len;
    }
    return 0;
}

static int vj_number(vj *v)
{
    const uint8_t *s = v->p;
    if (v->p < v->end && *v->p == '-')
        v->p++;
    if (v->p >= v->end)
        return 0;
    if (*v->p == '0')
        v->p++;
    else if (*v->p >= '1' && *v->p <= '9')
        while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
            v->p++;
    else
        return 0;
    if (v->p < v->end && *v->p == '.') {
        v->p++;
        if (v->p >= v->end || *v->p < '0' || *v->p > '9')
            return 0;
        while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
            v->p++;
    }
    if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
        v->p++;
        if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
            v->p++;
        if (v->p >= v->end || *v->p < '0' || *v->p > '9')
            return 0;
        while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
            v->p++;
    }
    return v->p > s;
}

static int vj_container(vj *v, char open, char close)
{
    v->p++; /* open */
    (void)open;
    if (++v->depth > 200)
        return 0;
    vj_ws(v);
    if (v->p < v->end && *v->p == close) {
        v->p++;
        v->depth--;
        return 1;
    }
    for (;;) {
        vj_ws(v);
        if (close == '}') {
            if (!vj_string(v))
                return 0;
            vj_ws(v);
            if (v->p >= v->end || *v->p != ':')
                return 0;
            v->p++;
            vj_ws(v);
        }
        if (!vj_value(v))
            return 0;
        vj_ws(v);
        if (v->p >= v->end)
            return 0;
        if (*v->p == ',') {
            v->p++;
            continue;
        }
        if (*v->p == close) {
            v->p++;
            v->depth--;
            return 1;
        }
        return 0;
    }
}

static int vj_value(vj *v)
{
    if (v->p >= v->end)
        return 0;
    switch (*v->p) {
    case '{': return vj_container(v, '{', '}');
    case '[': return vj_container(v, '[', ']');
    case '"': return vj_string(v);
    case 't': return vj_lit(v, "true");
    case 'f': return vj_lit(v, "false");
    case 'n': return vj_lit(v, "null");
    default: return vj_number(v);
    }
}

static int valid_json(const uint8_t *p, size_t n)
{
    vj v = {p, p + n, 0};
    vj_ws(&v);
    if (!vj_value(&v))
        return 0;
    vj_ws(&v);
    return v.p == v.end;
}

/* ------------------------------------------------------------ running the decoder */

static char g_err[256];

/* Decode n bytes from an exact heap copy into a buffer that already holds
 * "PFX"; returns rc, the text (without the prefix) in *text (malloc'd,
 * NUL-terminated) on success. On failure the buffer must still hold just
 * "PFX". */
static int decode(const uint8_t *p, size_t n, char **text)
{
    uint8_t *cp = malloc(n ? n : 1);
    if (!cp)
        abort();
    if (n)
        memcpy(cp, p, n);
    bv_buf out;
    bv_buf_init(&out);
    bv_buf_put(&out, "PFX", 3);
    g_err[0] = '\0';
    int rc = bv_json_binary_to_text(cp, n, &out, g_err, sizeof(g_err));
    if (text)
        *text = NULL;
    if (rc == BV_OK && text) {
        *text = malloc(out.len - 3 + 1);
        if (!*text)
            abort();
        memcpy(*text, out.data + 3, out.len - 3);
        (*text)[out.len - 3] = '\0';
    }
    if (rc != BV_OK && (out.len != 3 || memcmp(out.data, "PFX", 3) != 0)) {
        t_note("  output buffer not restored after error (len %zu)", out.len);
        rc = 12345; /* make the caller's check fail */
    }
    bv_buf_release(&out);
    free(cp);
    return rc;
}

/* A valid document: exact text, valid JSON, every truncation rejected. */
static void jt_opts(const char *what, const uint8_t *p, size_t n, const char *want, int truncs)
{
    char *text;
    int rc = decode(p, n, &text);
    if (!T_OK(rc == BV_OK, "%s: decodes", what))
        t_note("  rc %d: %s", rc, g_err);
    if (rc == BV_OK) {
        if (!T_OK(strcmp(text, want) == 0, "%s: text", what))
            t_note("  got  %.300s\n#   want %.300s", text, want);
        T_OK(valid_json((const uint8_t *)text, strlen(text)), "%s: output is valid JSON and UTF-8", what);
    }
    free(text);
    if (!truncs)
        return;
    int all = 1;
    for (size_t k = 1; k < n; k++) {
        int trc = decode(p, k, NULL);
        if (trc != BV_E_DECODE) {
            if (all)
                t_note("  %s: truncation to %zu of %zu gave rc %d", what, k, n, trc);
            all = 0;
        }
    }
    T_OK(all, "%s: all %zu truncations rejected, output untouched", what, n > 0 ? n - 1 : 0);
}

static void jt(const char *what, const uint8_t *p, size_t n, const char *want) { jt_opts(what, p, n, want, 1); }

/* A malformed document: BV_E_DECODE, message with a byte offset. */
static void jbad(const char *what, const uint8_t *p, size_t n)
{
    int rc = decode(p, n, NULL);
    if (!T_OK(rc == BV_E_DECODE, "%s: rejected", what))
        t_note("  rc %d", rc);
    if (!T_OK(strstr(g_err, "offset") != NULL, "%s: message names the byte offset", what))
        t_note("  message: \"%s\"", g_err);
}

/* ------------------------------------------------------------ a small encoder */

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

static blob bl(const void *p, size_t n)
{
    blob b;
    b.p = malloc(n ? n : 1);
    if (!b.p)
        abort();
    if (n)
        memcpy(b.p, p, n);
    b.n = n;
    return b;
}

static size_t varlen(uint8_t *out, size_t v)
{
    size_t k = 0;
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        out[k++] = (uint8_t)(c | (v ? 0x80 : 0));
    } while (v);
    return k;
}

static blob jstrn(const void *s, size_t n)
{
    blob b;
    b.p = malloc(n + 6);
    if (!b.p)
        abort();
    b.p[0] = 0x0c;
    size_t k = varlen(b.p + 1, n);
    memcpy(b.p + 1 + k, s, n);
    b.n = 1 + k + n;
    return b;
}

static blob jstr(const char *s) { return jstrn(s, strlen(s)); }

static blob jnum(uint8_t type, uint64_t v, unsigned w)
{
    uint8_t t[9];
    t[0] = type;
    for (unsigned i = 0; i < w; i++)
        t[1 + i] = (uint8_t)(v >> (8 * i));
    return bl(t, 1 + w);
}

static blob jdbl(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return jnum(0x0b, u, 8);
}

static blob jlit(uint8_t v)
{
    uint8_t t[2] = {0x04, v};
    return bl(t, 2);
}

static blob jopaque(uint8_t ftype, const void *d, size_t n)
{
    blob b;
    b.p = malloc(n + 8);
    if (!b.p)
        abort();
    b.p[0] = 0x0f;
    b.p[1] = ftype;
    size_t k = varlen(b.p + 2, n);
    if (n)
        memcpy(b.p + 2 + k, d, n);
    b.n = 2 + k + n;
    return b;
}

static void wr(uint8_t *p, uint64_t v, unsigned w)
{
    for (unsigned i = 0; i < w; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A container of count values (each an encoded value: type byte +
 * payload), with keys when an object. Consumes (frees) the values. */
static blob jcont(uint8_t type, size_t count, const char *const *keys, blob *vals)
{
    int large = type & 1, object = type < 2;
    unsigned w = large ? 4 : 2;
    size_t header = 2 * w + count * ((object ? w + 2 : 0) + 1 + w);
    size_t size = header;
    for (size_t i = 0; i < count; i++) {
        if (object)
            size += strlen(keys[i]);
        uint8_t t = vals[i].p[0];
        int inl = t == 4 || t == 5 || t == 6 || (large && (t == 7 || t == 8));
        if (!inl)
            size += vals[i].n - 1;
    }
    blob b;
    b.n = 1 + size;
    b.p = calloc(1, b.n);
    if (!b.p)
        abort();
    b.p[0] = type;
    uint8_t *body = b.p + 1;
    wr(body, count, w);
    wr(body + w, size, w);
    size_t at = header;
    if (object)
        for (size_t i = 0; i < count; i++) {
            size_t kl = strlen(keys[i]);
            wr(body + 2 * w + i * (w + 2), at, w);
            wr(body + 2 * w + i * (w + 2) + w, kl, 2);
            memcpy(body + at, keys[i], kl);
            at += kl;
        }
    uint8_t *ve = body + 2 * w + (object ? count * (w + 2) : 0);
    for (size_t i = 0; i < count; i++) {
        uint8_t t = vals[i].p[0];
        int inl = t == 4 || t == 5 || t == 6 || (large && (t == 7 || t == 8));
        ve[i * (1 + w)] = t;
        if (inl) {
            memcpy(ve + i * (1 + w) + 1, vals[i].p + 1, vals[i].n - 1);
        } else {
            wr(ve + i * (1 + w) + 1, at, w);
            memcpy(body + at, vals[i].p + 1, vals[i].n - 1);
            at += vals[i].n - 1;
        }
        free(vals[i].p);
    }
    return b;
}

static blob jarr(size_t n, blob *vals) { return jcont(0x02, n, NULL, vals); }
static blob jobj(size_t n, const char *const *keys, blob *vals) { return jcont(0x00, n, keys, vals); }

/* test a built document and free it */
static void jtb(const char *what, blob b, const char *want)
{
    jt(what, b.p, b.n, want);
    free(b.p);
}

/* ------------------------------------------------------------ vectors */

/* [fixture] JSON column documents (binary part) and MySQL's text. */
static const struct {
    const char *bytes;
    size_t n;
    const char *text, *src;
} fixtures[] = {
    {"\x00\x01\x00\x0f\x00\x0b\x00\x01\x00\x0f\x0c\x00\x61\x0f\x01\x55", 16, "{\"a\": \"base64:type15:VQ==\"}",
     "json-opaque.binlog"},
    {"\x00\x01\x00\x16\x00\x0b\x00\x01\x00\x0f\x0c\x00\x62\x0a\x08\x00\x00\x00\x00\x00\xe4\x8b\x19", 23,
     "{\"b\": \"2012-03-18\"}", "json-opaque.binlog"},
    {"\x00\x01\x00\x16\x00\x0b\x00\x01\x00\x0f\x0c\x00\x63\x0c\x08\x00\x00\x00\xad\xb7\xe4\x8b\x19", 23,
     "{\"c\": \"2012-03-18 11:30:45.000000\"}", "json-opaque.binlog"},
    {"\x00\x01\x00\x16\x00\x0b\x00\x01\x00\x0f\x0c\x00\x63\x0b\x08\xf1\xfb\x09\xee\x77\x05\x00\x00", 23,
     "{\"c\": \"87:31:46.654321\"}", "json-opaque.binlog"},
    {"\x00\x01\x00\x14\x00\x0b\x00\x01\x00\x0f\x0c\x00\x64\xf6\x06\x06\x03\x80\x7b\x01\xc8", 21, "{\"d\": 123.456}",
     "json-opaque.binlog"},
    {"\x00\x01\x00\x15\x00\x0b\x00\x01\x00\x0f\x0c\x00\x65\xf6\x07\x0b\x02\x80\x00\x00\x09\x00", 22,
     "{\"e\": 9.00}", "json-opaque.binlog"},
    {"\x00\x01\x00\x1c\x00\x0b\x00\x01\x00\x02\x0c\x00\x65\x04\x00\x10\x00\x05\x00\x00\x05\x01\x00\x04\x01\x00\x04"
     "\x02\x00",
     29, "{\"e\": [0, 1, true, false]}", "json-opaque.binlog"},
    {"\x00\x01\x00\x0c\x00\x0b\x00\x01\x00\x04\x00\x00\x65", 13, "{\"e\": null}", "json-opaque.binlog"},
    {"\x00\x03\x00\x33\x00\x19\x00\x03\x00\x1c\x00\x04\x00\x20\x00\x04\x00\x05\x18\x00\x0c\x24\x00\x0c\x2f\x00\x61"
     "\x67\x65\x64\x61\x74\x61\x6e\x61\x6d\x65\x0a\x78\x78\x78\x78\x78\x78\x78\x78\x78\x78\x03\x4a\x6f\x65",
     52, "{\"age\": 24, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"}", "json.binlog.000001"},
    {"\x00\x03\x00\x34\x00\x19\x00\x03\x00\x1c\x00\x04\x00\x20\x00\x04\x00\x05\x28\x00\x0c\x24\x00\x0c\x2f\x00\x61"
     "\x67\x65\x64\x61\x74\x61\x6e\x61\x6d\x65\x0a\x7a\x7a\x7a\x7a\x7a\x7a\x7a\x7a\x7a\x7a\x04\x50\x65\x74\x65",
     53, "{\"age\": 40, \"data\": \"zzzzzzzzzz\", \"name\": \"Pete\"}", "json.binlog.000001"},
    /* PARTIAL_UPDATE_ROWS diff value (REPLACE $.age 26) */
    {"\x05\x1a\x00", 3, "26", "json.binlog.000001 partial update"},
    {"\x00\x01\x00\x0c\x00\x0b\x00\x01\x00\x05\x01\x00\x63", 13, "{\"c\": 1}", "mysql-bin.000057"},
};

/* [msmp] msmp/jsonb.terms (length prefix removed) */
static const struct {
    const char *bytes;
    size_t n;
    const char *text;
} msmp[] = {
    {"\x00\x01\x00\x0c\x00\x0b\x00\x01\x00\x05\x02\x00\x61", 13, "{\"a\": 2}"},
    {"\x02\x02\x00\x0a\x00\x05\x01\x00\x05\x02\x00", 11, "[1, 2]"},
    {"\x00\x04\x00\x3c\x00\x20\x00\x01\x00\x21\x00\x01\x00\x22\x00\x02\x00\x24\x00\x02\x00\x0c\x26\x00\x0c\x28\x00"
     "\x0c\x2a\x00\x02\x2e\x00\x61\x63\x61\x62\x62\x63\x01\x62\x01\x64\x03\x61\x62\x63\x02\x00\x0e\x00\x0c\x0a\x00"
     "\x0c\x0c\x00\x01\x78\x01\x79",
     61, "{\"a\": \"b\", \"c\": \"d\", \"ab\": \"abc\", \"bc\": [\"x\", \"y\"]}"},
    {"\x02\x03\x00\x25\x00\x0c\x0d\x00\x02\x12\x00\x0c\x21\x00\x04\x68\x65\x72\x65\x02\x00\x0f\x00\x0c\x0a\x00\x0c"
     "\x0c\x00\x01\x49\x02\x61\x6d\x03\x21\x21\x21",
     38, "[\"here\", [\"I\", \"am\"], \"!!!\"]"},
    {"\x0c\x0d\x73\x63\x61\x6c\x61\x72\x20\x73\x74\x72\x69\x6e\x67", 15, "\"scalar string\""},
    {"\x04\x01", 2, "true"},
    {"\x04\x02", 2, "false"},
    {"\x04\x00", 2, "null"},
    {"\x05\xff\xff", 3, "-1"},
    {"\x06\x01\x00", 3, "1"},
    {"\x05\xff\x7f", 3, "32767"},
    {"\x07\x00\x80\x00\x00", 5, "32768"},
    {"\x05\x00\x80", 3, "-32768"},
    {"\x07\xff\x7f\xff\xff", 5, "-32769"},
    {"\x07\xff\xff\xff\x7f", 5, "2147483647"},
    {"\x09\x00\x00\x00\x80\x00\x00\x00\x00", 9, "2147483648"},
    {"\x07\x00\x00\x00\x80", 5, "-2147483648"},
    {"\x09\xff\xff\xff\x7f\xff\xff\xff\xff", 9, "-2147483649"},
    {"\x0a\xff\xff\xff\xff\xff\xff\xff\xff", 9, "18446744073709551615"},
    {"\x0b\x1f\x85\xeb\x51\xb8\x1e\x09\x40", 9, "3.14"},
    {"\x00\x00\x00\x04\x00", 5, "{}"},
    {"\x02\x00\x00\x04\x00", 5, "[]"},
    {"\x02\x05\x00\x17\x00\x0c\x13\x00\x05\x0a\x00\x04\x00\x00\x04\x01\x00\x04\x02\x00\x03\x61\x62\x63", 24,
     "[\"abc\", 10, null, true, false]"},
    {"\x00\x02\x00\x1c\x00\x12\x00\x02\x00\x14\x00\x02\x00\x0c\x16\x00\x05\x0a\x00\x6b\x31\x6b\x32\x05\x76\x61\x6c"
     "\x75\x65",
     29, "{\"k1\": \"value\", \"k2\": 10}"},
    {"\x02\x03\x00\x43\x00\x0c\x0d\x00\x0c\x1d\x00\x0c\x28\x00\x0f\x31\x32\x3a\x31\x38\x3a\x32\x39\x2e\x30\x30\x30"
     "\x30\x30\x30\x0a\x32\x30\x31\x35\x2d\x30\x37\x2d\x32\x39\x1a\x32\x30\x31\x35\x2d\x30\x37\x2d\x32\x39\x20\x31"
     "\x32\x3a\x31\x38\x3a\x32\x39\x2e\x30\x30\x30\x30\x30\x30",
     68, "[\"12:18:29.000000\", \"2015-07-29\", \"2015-07-29 12:18:29.000000\"]"},
};

static void test_fixtures(void)
{
    char what[128];
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        snprintf(what, sizeof(what), "[fixture %s] %s", fixtures[i].src, fixtures[i].text);
        jt(what, (const uint8_t *)fixtures[i].bytes, fixtures[i].n, fixtures[i].text);
    }
    for (size_t i = 0; i < sizeof(msmp) / sizeof(msmp[0]); i++) {
        snprintf(what, sizeof(what), "[msmp] %s", msmp[i].text);
        jt(what, (const uint8_t *)msmp[i].bytes, msmp[i].n, msmp[i].text);
    }
    /* [msmp] large object with a 65535-byte key */
    {
        size_t n = 1 + 18 + 65535;
        uint8_t *d = calloc(1, n);
        char *want = malloc(65535 + 16);
        if (!d || !want)
            abort();
        d[0] = 0x01;
        wr(d + 1, 1, 4);
        wr(d + 5, 18 + 65535, 4);
        wr(d + 9, 18, 4);
        wr(d + 13, 65535, 2);
        d[15] = 0x05; /* int16 inlined in a 4-byte slot */
        wr(d + 16, 123, 4);
        memset(d + 19, 'a', 65535);
        want[0] = '{';
        want[1] = '"';
        memset(want + 2, 'a', 65535);
        memcpy(want + 2 + 65535, "\": 123}", 8);
        jt_opts("[msmp] large object, 65535-byte key", d, n, want, 0);
        char *text;
        T_EQ_INT(decode(d, n - 1, &text), BV_E_DECODE, "large object truncated by one byte");
        free(d);
        free(want);
    }
    /* empty input is JSON null */
    {
        char *text;
        int rc = decode((const uint8_t *)"", 0, &text);
        T_OK(rc == BV_OK && text && strcmp(text, "null") == 0, "empty binary JSON is null");
        free(text);
    }
}

static void test_scalars_and_containers(void)
{
    /* nested objects and arrays */
    {
        const char *k1[] = {"id", "tags", "meta"};
        const char *k2[] = {"x", "y"};
        blob inner[2] = {jnum(0x05, (uint16_t)-7, 2), jlit(0x00)};
        blob tags[3] = {jstr("a"), jstr("b"), jarr(0, NULL)};
        blob top[3] = {jnum(0x06, 42, 2), jarr(3, tags), jobj(2, k2, inner)};
        jtb("nested object/array", jobj(3, k1, top), "{\"id\": 42, \"tags\": [\"a\", \"b\", []], \"meta\": {\"x\": -7, \"y\": null}}");
    }
    {
        blob e[2] = {jobj(0, NULL, NULL), jarr(0, NULL)};
        blob a1[1] = {jarr(2, e)};
        blob a2[1] = {jarr(1, a1)};
        jtb("arrays of empties", jarr(1, a2), "[[[{}, []]]]");
    }
    /* large containers: int32/uint32 inlined, int16/uint16/literals too */
    {
        blob v[7] = {jnum(0x07, (uint32_t)-5, 4), jnum(0x08, 4000000000u, 4), jnum(0x05, (uint16_t)-2, 2),
                     jnum(0x06, 65535, 2), jlit(0x01), jstr("s"), jnum(0x09, (uint64_t)INT64_MIN, 8)};
        blob b = jcont(0x03, 7, NULL, v);
        T_EQ_U64(b.p[1 + 8], 0x07, "large array: int32 entry type");
        T_EQ_U64(bv_rd32(b.p + 1 + 9), (uint32_t)-5, "large array: int32 value inlined in the entry");
        jtb("large array with inlined int32/uint32", b,
            "[-5, 4000000000, -2, 65535, true, \"s\", -9223372036854775808]");
    }
    {
        const char *k[] = {"i32", "u32", "u64"};
        blob v[3] = {jnum(0x07, (uint32_t)INT32_MIN, 4), jnum(0x08, UINT32_MAX, 4), jnum(0x0a, UINT64_MAX, 8)};
        jtb("large object", jcont(0x01, 3, k, v),
            "{\"i32\": -2147483648, \"u32\": 4294967295, \"u64\": 18446744073709551615}");
    }
    /* small containers store int32/uint32 at an offset */
    {
        blob v[2] = {jnum(0x07, (uint32_t)-100000, 4), jnum(0x08, 100000, 4)};
        blob b = jarr(2, v);
        T_EQ_U64(bv_rd16(b.p + 1 + 5), 10, "small array: int32 stored at offset 10");
        jtb("small array with int32/uint32 by offset", b, "[-100000, 100000]");
    }
    /* large array nested in a small object and vice versa */
    {
        const char *k[] = {"big"};
        blob in[2] = {jstr("x"), jnum(0x07, 7, 4)};
        blob v[1] = {jcont(0x03, 2, NULL, in)};
        jtb("large array inside a small object", jobj(1, k, v), "{\"big\": [\"x\", 7]}");
    }
    /* top-level scalars */
    {
        blob b = jnum(0x09, (uint64_t)-1, 8);
        jtb("top-level int64 -1", b, "-1");
        jtb("top-level uint64 0", jnum(0x0a, 0, 8), "0");
        jtb("top-level int32 in a document (not inlined)", jnum(0x07, (uint32_t)-1, 4), "-1");
        jtb("top-level uint32 max", jnum(0x08, UINT32_MAX, 4), "4294967295");
        jtb("top-level uint16 max", jnum(0x06, 65535, 2), "65535");
        jtb("top-level empty string", jstr(""), "\"\"");
    }
}

static void jdouble(const char *what, double d, const char *want)
{
    blob b = jdbl(d);
    char w[96];
    snprintf(w, sizeof(w), "double %s", what);
    jtb(w, b, want);
}

static void test_doubles(void)
{
    jdouble("1.0", 1.0, "1.0");
    jdouble("0.0", 0.0, "0.0");
    jdouble("-0.0", -0.0, "-0.0");
    jdouble("-3.0", -3.0, "-3.0");
    jdouble("0.1", 0.1, "0.1");
    jdouble("0.1+0.2", 0.1 + 0.2, "0.30000000000000004");
    jdouble("1e20", 1e20, "1e20");
    jdouble("1e21", 1e21, "1e21");
    jdouble("1e15", 1e15, "1e15");
    jdouble("1e16", 1e16, "1e16");
    jdouble("1e14", 1e14, "100000000000000.0");
    jdouble("1e10", 1e10, "10000000000.0");
    jdouble("999999999999999.9", 999999999999999.9, "999999999999999.9");
    jdouble("1234567890123456.7 (decpt 16, 17 digits: fixed)", 1234567890123456.7, "1234567890123456.8");
    jdouble("12345678901234567 (decpt 17: exponent)", 12345678901234567.0, "1.2345678901234568e16");
    jdouble("2^53", 9007199254740992.0, "9.007199254740992e15");
    jdouble("1.2345678901234568e20", 1.2345678901234568e20, "1.2345678901234568e20");
    jdouble("1e-16", 1e-16, "1e-16");
    jdouble("1e-15 (decpt -14: fixed)", 1e-15, "0.000000000000001");
    jdouble("1e-14", 1e-14, "0.00000000000001");
    jdouble("-1.2345678901234568e-15", -1.2345678901234568e-15, "-0.0000000000000012345678901234568");
    jdouble("1.2345678901234568e-16", 1.2345678901234568e-16, "1.2345678901234568e-16");
    jdouble("0.0001", 0.0001, "0.0001");
    jdouble("1.5e-5", 1.5e-5, "0.000015");
    jdouble("-1e-7", -1e-7, "-0.0000001");
    jdouble("123.456", 123.456, "123.456");
    jdouble("-2.5", -2.5, "-2.5");
    jdouble("100.0", 100.0, "100.0");
    jdouble("5e-324 (denormal min)", 5e-324, "5e-324");
    jdouble("2.2250738585072014e-308", 2.2250738585072014e-308, "2.2250738585072014e-308");
    jdouble("DBL_MAX", 1.7976931348623157e308, "1.7976931348623157e308");
    jdouble("-1.5e300", -1.5e300, "-1.5e300");
    jdouble("1.1 (float-looking)", 1.1, "1.1");
    {
        blob v[3] = {jdbl(1.0), jdbl(-0.5), jdbl(1e100)};
        jtb("doubles in an array", jarr(3, v), "[1.0, -0.5, 1e100]");
    }
    jbad("double NaN", BYTES("\x0b\x00\x00\x00\x00\x00\x00\xf8\x7f"));
    jbad("double +Inf", BYTES("\x0b\x00\x00\x00\x00\x00\x00\xf0\x7f"));
    jbad("double -Inf in an array", BYTES("\x02\x01\x00\x0f\x00\x0b\x07\x00\x00\x00\x00\x00\x00\x00\xf0\xff"));
}

static void test_strings(void)
{
    jtb("escapes", jstr("a\"b\\c\b\f\n\r\t\x01\x1f\x7f/"), "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\"");
    jtb("NUL byte in a string", jstrn("a\0b", 3), "\"a\\u0000b\"");
    jtb("unicode", jstr("\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf"),
        "\"\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"");
    {
        const char *k[] = {"", "k\"\n", "\xc3\xa9"};
        blob v[3] = {jstr("empty key"), jlit(0x02), jstr("\t")};
        jtb("keys: empty, escaped, unicode", jobj(3, k, v),
            "{\"\": \"empty key\", \"k\\\"\\n\": false, \"\xc3\xa9\": \"\\t\"}");
    }
    /* variable-length string lengths: 1, 2 and 3 bytes */
    {
        char *s = malloc(20001), *want = malloc(20004);
        if (!s || !want)
            abort();
        memset(s, 'x', 20000);
        s[20000] = 0;
        blob b = jstrn(s, 127);
        T_EQ_U64(b.n, 1 + 1 + 127, "127-byte string: 1-byte length");
        want[0] = '"';
        memcpy(want + 1, s, 127);
        memcpy(want + 128, "\"", 2);
        jtb("127-byte string", b, want);
        b = jstrn(s, 200);
        T_OK(b.n == 1 + 2 + 200 && b.p[1] == 0xc8 && b.p[2] == 0x01, "200-byte string: 2-byte length c8 01");
        memcpy(want + 1, s, 200);
        memcpy(want + 201, "\"", 2);
        jtb("200-byte string", b, want);
        b = jstrn(s, 20000);
        T_OK(b.n == 1 + 3 + 20000 && b.p[1] == 0xa0 && b.p[2] == 0x9c && b.p[3] == 0x01,
             "20000-byte string: 3-byte length a0 9c 01");
        memcpy(want + 1, s, 20000);
        memcpy(want + 20001, "\"", 2);
        jt_opts("20000-byte string", b.p, b.n, want, 0);
        T_EQ_INT(decode(b.p, b.n - 1, NULL), BV_E_DECODE, "20000-byte string truncated by one byte");
        free(b.p);
        free(s);
        free(want);
    }
    /* a non-minimal (padded) length is accepted like MySQL does */
    jt("string length 80 00 (padded varlen)", BYTES("\x0c\x80\x00"), "\"\"");
    jt("string length with 5 bytes", BYTES("\x0c\x81\x80\x80\x80\x00\x41"), "\"A\"");
    jbad("string length with 6 bytes", BYTES("\x0c\xff\xff\xff\xff\xff\x01"));
    jbad("string length over 32 bits", BYTES("\x0c\xff\xff\xff\xff\x7f"));
    jbad("string length past the end", BYTES("\x0c\x05\x61\x62"));
    jbad("truncated string length", BYTES("\x0c\x80"));
    jbad("invalid UTF-8 0xff", BYTES("\x0c\x01\xff"));
    jbad("overlong UTF-8 c0 80", BYTES("\x0c\x02\xc0\x80"));
    jbad("overlong UTF-8 e0 80 80", BYTES("\x0c\x03\xe0\x80\x80"));
    jbad("UTF-8 surrogate ed a0 80", BYTES("\x0c\x03\xed\xa0\x80"));
    jbad("UTF-8 above U+10FFFF", BYTES("\x0c\x04\xf4\x90\x80\x80"));
    jbad("UTF-8 sequence cut short", BYTES("\x0c\x02\xe2\x82"));
    jbad("UTF-8 lone continuation byte", BYTES("\x0c\x01\x80"));
    jbad("invalid UTF-8 in a key", BYTES("\x00\x01\x00\x0c\x00\x0b\x00\x01\x00\x04\x00\x00\xff"));
}

static void test_opaque(void)
{
    /* DECIMAL */
    jtb("opaque DECIMAL(6,3) 123.456", jopaque(246, "\x06\x03\x80\x7b\x01\xc8", 6), "123.456");
    jtb("opaque DECIMAL(2,1) -0.5", jopaque(246, "\x02\x01\x7f\xfa", 4), "-0.5");
    jtb("opaque DECIMAL(2,2) 0.50", jopaque(246, "\x02\x02\xb2", 3), "0.50");
    jtb("opaque DECIMAL(2,1) 1.0 [go-mysql]", jopaque(246, "\x02\x01\x81\x00", 4), "1.0");
    jtb("opaque DECIMAL(10,0) 1234567890", jopaque(246, "\x0a\x00\x81\x0d\xfb\x38\xd2", 7), "1234567890");
    {
        blob b = jopaque(246, "\x06\x03\x80\x7b\x01", 5);
        jbad("opaque DECIMAL one byte short", b.p, b.n);
        free(b.p);
        b = jopaque(246, "\x06\x03\x80\x7b\x01\xc8\x00", 7);
        jbad("opaque DECIMAL one byte long", b.p, b.n);
        free(b.p);
        b = jopaque(246, "\x02\x03\x80\x00", 4);
        jbad("opaque DECIMAL scale > precision", b.p, b.n);
        free(b.p);
        b = jopaque(246, "\x02", 1);
        jbad("opaque DECIMAL without scale", b.p, b.n);
        free(b.p);
        b = jopaque(246, "\x02\x00\x80\x7f", 4);
        jbad("opaque DECIMAL(2,0) digits 0x7f (> 99)", b.p, b.n);
        free(b.p);
    }
    /* temporal: packed ((((y*13+m)<<5|d)<<17 | h<<12|mi<<6|s) << 24) + us */
    {
        uint64_t ymd = ((uint64_t)(2024 * 13 + 1) << 5) | 15, hms = (10u << 12) | (30u << 6) | 45u;
        uint64_t dt = ((ymd << 17 | hms) << 24) + 123456;
        uint8_t d[9] = {0};
        wr(d, dt, 8);
        jtb("opaque DATETIME 2024-01-15 10:30:45.123456 [go-mysql]", jopaque(12, d, 8),
            "\"2024-01-15 10:30:45.123456\"");
        jtb("opaque TIMESTAMP 2024-01-15 10:30:45.123456", jopaque(7, d, 8), "\"2024-01-15 10:30:45.123456\"");
        wr(d, (ymd << 17) << 24, 8);
        jtb("opaque DATE 2024-01-15 [go-mysql]", jopaque(10, d, 8), "\"2024-01-15\"");
        jtb("opaque DATETIME midnight keeps .000000", jopaque(12, d, 8), "\"2024-01-15 00:00:00.000000\"");
        wr(d, 0, 8);
        jtb("opaque DATE zero", jopaque(10, d, 8), "\"0000-00-00\"");
        jtb("opaque TIME zero", jopaque(11, d, 8), "\"00:00:00.000000\"");
        uint64_t t = ((uint64_t)((12u << 12) | (34u << 6) | 56u) << 24) + 1;
        wr(d, (uint64_t)0 - t, 8);
        jtb("opaque TIME -12:34:56.000001", jopaque(11, d, 8), "\"-12:34:56.000001\"");
        wr(d, ((uint64_t)((838u << 12) | (59u << 6) | 59u) << 24), 8);
        jtb("opaque TIME 838:59:59", jopaque(11, d, 8), "\"838:59:59.000000\"");
        wr(d, ((ymd << 17 | (25u << 12)) << 24), 8);
        blob b = jopaque(12, d, 8);
        jbad("opaque DATETIME hour 25", b.p, b.n);
        free(b.p);
        wr(d, ((ymd << 17) << 24) + 1000000, 8);
        b = jopaque(12, d, 8);
        jbad("opaque DATETIME usec 1000000", b.p, b.n);
        free(b.p);
        b = jopaque(10, d, 7);
        jbad("opaque DATE of 7 bytes", b.p, b.n);
        free(b.p);
        b = jopaque(11, d, 9);
        jbad("opaque TIME of 9 bytes", b.p, b.n);
        free(b.p);
    }
    /* VAR_STRING is a plain string */
    jtb("opaque VAR_STRING", jopaque(253, "h\xc3\xa9\"", 4), "\"h\xc3\xa9\\\"\"");
    {
        blob b = jopaque(253, "\xff", 1);
        jbad("opaque VAR_STRING with invalid UTF-8", b.p, b.n);
        free(b.p);
    }
    /* anything else: base64 with MySQL's line breaks every 76 characters */
    jtb("opaque type 15 'U' [fixture]", jopaque(15, "U", 1), "\"base64:type15:VQ==\"");
    jtb("opaque BLOB 00 ff", jopaque(252, "\x00\xff", 2), "\"base64:type252:AP8=\"");
    jtb("opaque BIT empty", jopaque(16, "", 0), "\"base64:type16:\"");
    {
        uint8_t d[58];
        for (int i = 0; i < 58; i++)
            d[i] = (uint8_t)i;
        jtb("opaque 57 bytes: 76 base64 characters, no line break", jopaque(252, d, 57),
            "\"base64:type252:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\"");
        jtb("opaque 58 bytes: line break after 76 characters", jopaque(252, d, 58),
            "\"base64:type252:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4"
            "\\nOQ==\"");
    }
    jbad("opaque without its type byte", BYTES("\x0f"));
    jbad("opaque length past the end", BYTES("\x0f\xfc\x05\x01\x02"));
}

static void test_depth(void)
{
    /* 100 nested arrays are fine, 101 are not (JSON_DOCUMENT_MAX_DEPTH) */
    for (int levels = 99; levels <= 101; levels++) {
        blob b = jarr(0, NULL);
        for (int i = 1; i < levels; i++) {
            blob v[1] = {b};
            b = jcont(0x03, 1, NULL, v);
        }
        char what[64];
        snprintf(what, sizeof(what), "%d nested arrays", levels);
        if (levels <= 100) {
            char *want = malloc(2 * (size_t)levels + 1);
            if (!want)
                abort();
            memset(want, '[', (size_t)levels);
            memset(want + levels, ']', (size_t)levels);
            want[2 * levels] = 0;
            jt_opts(what, b.p, b.n, want, levels == 100);
            free(want);
        } else {
            jbad(what, b.p, b.n);
        }
        free(b.p);
    }
    /* scalars inside the 100th level do not count */
    {
        blob b;
        blob in[1] = {jnum(0x06, 1, 2)};
        b = jarr(1, in);
        for (int i = 1; i < 100; i++) {
            blob v[1] = {b};
            b = jcont(0x03, 1, NULL, v);
        }
        char *text;
        int rc = decode(b.p, b.n, &text);
        T_OK(rc == BV_OK && text && strstr(text, "[1]") != NULL, "100 levels with a scalar inside");
        free(text);
        free(b.p);
    }
    /* a depth bomb: 100000 nested large arrays, rejected without recursion
     * past the limit */
    {
        size_t L = 100000, n = 1 + 13 * (L - 1) + 8;
        uint8_t *d = malloc(n);
        if (!d)
            abort();
        for (size_t i = 0; i < L - 1; i++) {
            uint8_t *body = d + 13 * i + 1;
            body[-1] = 0x03;
            wr(body, 1, 4);
            wr(body + 4, n - 1 - 13 * i, 4);
            body[8] = 0x03;
            wr(body + 9, 13, 4);
        }
        d[13 * (L - 1)] = 0x03;
        wr(d + 13 * (L - 1) + 1, 0, 4);
        wr(d + 13 * (L - 1) + 5, 8, 4);
        jbad("depth bomb of 100000 arrays", d, n);
        free(d);
    }
    /* nested objects count too */
    {
        blob b = jobj(0, NULL, NULL);
        const char *k[] = {"k"};
        for (int i = 1; i < 101; i++) {
            blob v[1] = {b};
            b = jcont(i % 2 ? 0x01 : 0x00, 1, k, v);
        }
        jbad("101 nested objects", b.p, b.n);
        free(b.p);
    }
}

static void test_malformed(void)
{
    /* offsets and sizes */
    jbad("small array: value offset == size", BYTES("\x02\x01\x00\x07\x00\x0c\x07\x00"));
    jbad("small array: value offset past size", BYTES("\x02\x01\x00\x09\x00\x0c\x20\x00\x01\x61"));
    jbad("small array: string runs past the container", BYTES("\x02\x01\x00\x09\x00\x0c\x07\x00\x05\x61"));
    jbad("small object: key offset past size", BYTES("\x00\x01\x00\x0c\x00\x40\x00\x01\x00\x04\x00\x00\x61"));
    jbad("small object: key length past size", BYTES("\x00\x01\x00\x0c\x00\x0b\x00\x05\x00\x04\x00\x00\x61"));
    jbad("count larger than the size allows", BYTES("\x02\x64\x00\x0a\x00\x04\x00\x00\x04\x00\x00"));
    jbad("object count larger than size", BYTES("\x00\x02\x00\x0c\x00\x0b\x00\x01\x00\x04\x00\x00\x61"));
    jbad("size larger than the document", BYTES("\x00\x00\x00\x64\x00"));
    jbad("size smaller than the header", BYTES("\x02\x00\x00\x02\x00"));
    jbad("truncated small header", BYTES("\x02\x00\x00\x04"));
    jbad("truncated large header", BYTES("\x03\x00\x00\x00\x00\x08\x00\x00"));
    jbad("large array count 0xffffffff", BYTES("\x03\xff\xff\xff\xff\x08\x00\x00\x00"));
    jbad("nested container size past its parent",
         BYTES("\x02\x01\x00\x0b\x00\x02\x07\x00\x00\x00\x10\x00"));
    jbad("large array: offset past size", BYTES("\x03\x01\x00\x00\x00\x0d\x00\x00\x00\x0c\xff\xff\xff\x00"));
    /* types and literals */
    jbad("unknown top-level type 0x0d", BYTES("\x0d\x00"));
    jbad("unknown top-level type 0x10", BYTES("\x10\x00"));
    jbad("unknown entry type 0x0e", BYTES("\x02\x01\x00\x08\x00\x0e\x07\x00\x00"));
    jbad("invalid literal 3", BYTES("\x04\x03"));
    jbad("invalid inlined literal", BYTES("\x02\x01\x00\x07\x00\x04\x07\x00"));
    jbad("truncated literal", BYTES("\x04"));
    jbad("truncated int16", BYTES("\x05\x01"));
    jbad("truncated uint32", BYTES("\x08\x01\x02\x03"));
    jbad("truncated int64", BYTES("\x09\x01\x02\x03\x04\x05\x06\x07"));
    jbad("truncated double", BYTES("\x0b\x00\x00"));
    jbad("int64 entry in a small array past the end", BYTES("\x02\x01\x00\x0b\x00\x09\x07\x00\x01\x02\x03\x04"));
    /* the go-mysql "before 5.7.22" value */
    jbad("go-mysql pre-5.7.22 value", BYTES("\x00\x00\x01\x00\x0c"));

    /* sharing bombs: entries pointing at the same sub-value */
    {
        /* 2000 entries all pointing at one 2000-byte string */
        size_t cnt = 2000, slen = 2000;
        size_t size = 8 + cnt * 5 + 3 + slen;
        uint8_t *d = calloc(1, 1 + size);
        if (!d)
            abort();
        d[0] = 0x03;
        wr(d + 1, cnt, 4);
        wr(d + 5, size, 4);
        for (size_t i = 0; i < cnt; i++) {
            d[1 + 8 + i * 5] = 0x0c;
            wr(d + 1 + 8 + i * 5 + 1, 8 + cnt * 5, 4);
        }
        uint8_t *s = d + 1 + 8 + cnt * 5;
        s[0] = (uint8_t)(0x80 | (slen & 0x7f));
        s[1] = (uint8_t)(slen >> 7);
        memset(s + 2, 'z', slen);
        jbad("2000 entries sharing one 2000-byte string", d, 1 + size);
        free(d);
    }
    {
        /* 60 levels of 2-entry arrays whose entries share the level below */
        size_t L = 60, n = 1 + 10 * (L - 1) + 4;
        uint8_t *d = calloc(1, n);
        if (!d)
            abort();
        for (size_t i = 0; i < L - 1; i++) {
            uint8_t *body = d + 1 + 10 * i;
            body[-1] = 0x02;
            wr(body, 2, 2);
            wr(body + 2, n - 1 - 10 * i, 2);
            body[4] = 0x02;
            wr(body + 5, 10, 2);
            body[7] = 0x02;
            wr(body + 8, 10, 2);
        }
        d[10 * (L - 1)] = 0x02;
        wr(d + 1 + 10 * (L - 1), 0, 2);
        wr(d + 1 + 10 * (L - 1) + 2, 4, 2);
        jbad("exponential sharing (2^59 leaves)", d, n);
        free(d);
    }
}

/* Output is appended; an error restores the previous length. */
static void test_buffer(void)
{
    bv_buf out;
    bv_buf_init(&out);
    bv_buf_put(&out, "x=", 2);
    int rc = bv_json_binary_to_text(BYTES("\x04\x01"), &out, NULL, 0);
    T_OK(rc == BV_OK && out.len == 6 && memcmp(out.data, "x=true", 6) == 0, "text is appended to the buffer");
    rc = bv_json_binary_to_text(BYTES("\x02\x02\x00\x0a\x00\x05\x01\x00\x0c\x20\x00"), &out, NULL, 0);
    T_OK(rc == BV_E_DECODE && out.len == 6, "error after partial output restores the length");
    char small[16];
    rc = bv_json_binary_to_text(BYTES("\x04\x09"), &out, small, sizeof(small));
    T_OK(rc == BV_E_DECODE && strlen(small) == 15, "message truncated to the error buffer");
    bv_buf_release(&out);
}

int main(void)
{
    test_fixtures();
    test_scalars_and_containers();
    test_doubles();
    test_strings();
    test_opaque();
    test_depth();
    test_malformed();
    test_buffer();
    return t_done();
}
