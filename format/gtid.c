/* GTID sets: MySQL (uuid, tag) -> sorted disjoint intervals; MariaDB
 * domain -> last (server_id, seq). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct ival {
    uint64_t lo, hi; /* inclusive */
} ival;

typedef struct msid {
    uint8_t uuid[16];
    char tag[BV_GTID_TAG_MAX + 1];
    ival *iv;
    size_t n, cap;
} msid;

typedef struct mdom {
    uint32_t domain, server;
    uint64_t seq;
} mdom;

struct bv_gtid_set {
    uint8_t flavor;
    msid *m;
    size_t nm, capm;
    mdom *d;
    size_t nd, capd;
};

bv_gtid_set *bv_gtid_set_new(void)
{
    return calloc(1, sizeof(bv_gtid_set));
}

static void clear(bv_gtid_set *s)
{
    for (size_t i = 0; i < s->nm; i++)
        free(s->m[i].iv);
    free(s->m);
    free(s->d);
    memset(s, 0, sizeof(*s));
}

void bv_gtid_set_free(bv_gtid_set *s)
{
    if (!s)
        return;
    clear(s);
    free(s);
}

int bv_gtid_set_is_empty(const bv_gtid_set *s) { return s->nm == 0 && s->nd == 0; }
bv_gtid_flavor bv_gtid_set_flavor(const bv_gtid_set *s) { return (bv_gtid_flavor)s->flavor; }

static int sid_cmp(const uint8_t *uuid, const char *tag, const msid *m)
{
    int c = memcmp(uuid, m->uuid, 16);
    return c ? c : strcmp(tag, m->tag);
}

static msid *find_sid(bv_gtid_set *s, const uint8_t *uuid, const char *tag, int create)
{
    size_t lo = 0, hi = s->nm;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = sid_cmp(uuid, tag, &s->m[mid]);
        if (c == 0)
            return &s->m[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (!create)
        return NULL;
    if (s->nm == s->capm) {
        size_t cap = s->capm ? s->capm * 2 : 4;
        msid *n = realloc(s->m, cap * sizeof(*n));
        if (!n)
            return NULL;
        s->m = n;
        s->capm = cap;
    }
    memmove(&s->m[lo + 1], &s->m[lo], (s->nm - lo) * sizeof(msid));
    memset(&s->m[lo], 0, sizeof(msid));
    memcpy(s->m[lo].uuid, uuid, 16);
    snprintf(s->m[lo].tag, sizeof(s->m[lo].tag), "%s", tag);
    s->nm++;
    return &s->m[lo];
}

/* Merge overlapping and adjacent intervals of a list sorted by lo. */
static void merge_sorted(msid *m)
{
    if (m->n < 2)
        return;
    size_t w = 0;
    for (size_t r = 1; r < m->n; r++) {
        if (m->iv[r].lo <= m->iv[w].hi + 1 || m->iv[w].hi == UINT64_MAX) {
            if (m->iv[r].hi > m->iv[w].hi)
                m->iv[w].hi = m->iv[r].hi;
        } else {
            m->iv[++w] = m->iv[r];
        }
    }
    m->n = w + 1;
}

/* Add [lo, hi] to the interval list, merging neighbours. */
static int add_ival(msid *m, uint64_t lo, uint64_t hi)
{
    /* fast path: extends or follows the last interval */
    if (m->n && lo >= m->iv[m->n - 1].lo) {
        ival *l = &m->iv[m->n - 1];
        if (lo <= l->hi + 1 || l->hi == UINT64_MAX) {
            if (hi > l->hi)
                l->hi = hi;
            return BV_OK;
        }
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4;
        ival *n = realloc(m->iv, cap * sizeof(*n));
        if (!n)
            return BV_E_NOMEM;
        m->iv = n;
        m->cap = cap;
    }
    size_t i = 0;
    while (i < m->n && m->iv[i].lo < lo)
        i++;
    memmove(&m->iv[i + 1], &m->iv[i], (m->n - i) * sizeof(ival));
    m->iv[i].lo = lo;
    m->iv[i].hi = hi;
    m->n++;
    merge_sorted(m);
    return BV_OK;
}

/* MySQL compares tags case-insensitively and shows them in lowercase. */
static void lower_tag(char out[BV_GTID_TAG_MAX + 1], const char *tag)
{
    size_t i = 0;
    for (; i < BV_GTID_TAG_MAX && tag[i]; i++)
        out[i] = (char)tolower((unsigned char)tag[i]);
    out[i] = 0;
}

static mdom *find_dom(bv_gtid_set *s, uint32_t domain, int create)
{
    size_t i = 0;
    while (i < s->nd && s->d[i].domain < domain)
        i++;
    if (i < s->nd && s->d[i].domain == domain)
        return &s->d[i];
    if (!create)
        return NULL;
    if (s->nd == s->capd) {
        size_t cap = s->capd ? s->capd * 2 : 4;
        mdom *n = realloc(s->d, cap * sizeof(*n));
        if (!n)
            return NULL;
        s->d = n;
        s->capd = cap;
    }
    memmove(&s->d[i + 1], &s->d[i], (s->nd - i) * sizeof(mdom));
    s->d[i].domain = domain;
    s->d[i].server = 0;
    s->d[i].seq = 0;
    s->nd++;
    return &s->d[i];
}

int bv_gtid_set_add(bv_gtid_set *s, const bv_gtid *g, char *err, size_t errlen)
{
    if (g->flavor == BV_GTID_NONE)
        return BV_OK;
    if (g->flavor != BV_GTID_MYSQL && g->flavor != BV_GTID_MARIADB)
        return bv_seterr(err, errlen, BV_E_INVAL, "unknown GTID flavor %u", g->flavor);
    if (s->flavor != BV_GTID_NONE && s->flavor != g->flavor)
        return bv_seterr(err, errlen, BV_E_INVAL, "cannot add a %s GTID to a %s GTID set",
                         g->flavor == BV_GTID_MYSQL ? "MySQL" : "MariaDB",
                         s->flavor == BV_GTID_MYSQL ? "MySQL" : "MariaDB");
    if (g->flavor == BV_GTID_MYSQL) {
        if (g->seq == 0)
            return bv_seterr(err, errlen, BV_E_INVAL, "MySQL GTID number 0 is not valid");
        char tag[BV_GTID_TAG_MAX + 1];
        lower_tag(tag, g->tag);
        msid *m = find_sid(s, g->uuid, tag, 1);
        if (!m || add_ival(m, g->seq, g->seq))
            return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    } else {
        mdom *d = find_dom(s, g->domain, 1);
        if (!d)
            return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
        d->server = g->server_id;
        d->seq = g->seq;
    }
    s->flavor = g->flavor;
    return BV_OK;
}

int bv_gtid_set_contains(const bv_gtid_set *s, const bv_gtid *g)
{
    if (g->flavor != s->flavor)
        return 0;
    if (g->flavor == BV_GTID_MYSQL) {
        char tag[BV_GTID_TAG_MAX + 1];
        lower_tag(tag, g->tag);
        msid *m = find_sid((bv_gtid_set *)s, g->uuid, tag, 0);
        if (!m)
            return 0;
        for (size_t i = 0; i < m->n; i++)
            if (g->seq >= m->iv[i].lo && g->seq <= m->iv[i].hi)
                return 1;
        return 0;
    }
    if (g->flavor == BV_GTID_MARIADB) {
        mdom *d = find_dom((bv_gtid_set *)s, g->domain, 0);
        return d && g->seq <= d->seq;
    }
    return 0;
}

int bv_gtid_set_copy(bv_gtid_set *dst, const bv_gtid_set *src)
{
    bv_gtid_set t;
    memset(&t, 0, sizeof(t));
    t.flavor = src->flavor;
    if (src->nm) {
        t.m = calloc(src->nm, sizeof(msid));
        if (!t.m)
            goto oom;
        t.capm = src->nm;
        for (size_t i = 0; i < src->nm; i++) {
            t.m[i] = src->m[i];
            t.m[i].iv = malloc((src->m[i].n ? src->m[i].n : 1) * sizeof(ival));
            if (!t.m[i].iv)
                goto oom;
            memcpy(t.m[i].iv, src->m[i].iv, src->m[i].n * sizeof(ival));
            t.m[i].cap = src->m[i].n ? src->m[i].n : 1;
            t.nm = i + 1;
        }
    }
    if (src->nd) {
        t.d = malloc(src->nd * sizeof(mdom));
        if (!t.d)
            goto oom;
        memcpy(t.d, src->d, src->nd * sizeof(mdom));
        t.nd = t.capd = src->nd;
    }
    clear(dst);
    *dst = t;
    return BV_OK;
oom:
    clear(&t);
    return BV_E_NOMEM;
}

int bv_gtid_set_equal(const bv_gtid_set *a, const bv_gtid_set *b)
{
    if (bv_gtid_set_is_empty(a) || bv_gtid_set_is_empty(b))
        return bv_gtid_set_is_empty(a) && bv_gtid_set_is_empty(b);
    if (a->flavor != b->flavor || a->nm != b->nm || a->nd != b->nd)
        return 0;
    for (size_t i = 0; i < a->nm; i++) {
        if (sid_cmp(a->m[i].uuid, a->m[i].tag, &b->m[i]) || a->m[i].n != b->m[i].n ||
            memcmp(a->m[i].iv, b->m[i].iv, a->m[i].n * sizeof(ival)))
            return 0;
    }
    return a->nd == 0 || memcmp(a->d, b->d, a->nd * sizeof(mdom)) == 0;
}

/* ------------------------------------------------------------ text */

typedef struct out {
    char *buf;
    size_t len, used;
} out;

static void outf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append n bytes (truncating, always NUL-terminated; used counts them all). */
static void outn(out *o, const char *p, size_t n)
{
    if (o->used + 1 < o->len) {
        size_t room = o->len - 1 - o->used;
        memcpy(o->buf + o->used, p, n < room ? n : room);
    }
    o->used += n;
    if (o->len)
        o->buf[o->used < o->len ? o->used : o->len - 1] = 0;
}

/* Append v in decimal (the hot path of bv_gtid_format: no printf). */
static void outu(out *o, uint64_t v)
{
    char t[20];
    outn(o, t, bv_u64_text(t, v));
}

static void outf(out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    outn(o, tmp, (size_t)n < sizeof(tmp) - 1 ? (size_t)n : sizeof(tmp) - 1);
}

static void out_uuid(out *o, const uint8_t *u)
{
    static const char hex[] = "0123456789abcdef";
    char t[36];
    size_t n = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            t[n++] = '-';
        t[n++] = hex[u[i] >> 4];
        t[n++] = hex[u[i] & 15];
    }
    outn(o, t, n);
}

size_t bv_gtid_format(const bv_gtid *g, char *buf, size_t len)
{
    out o = {buf, len, 0};
    if (len)
        buf[0] = 0;
    if (g->flavor == BV_GTID_MYSQL) {
        out_uuid(&o, g->uuid);
        if (g->tag[0])
            outf(&o, ":%s", g->tag);
        outn(&o, ":", 1);
        outu(&o, g->seq);
    } else if (g->flavor == BV_GTID_MARIADB) {
        outu(&o, g->domain);
        outn(&o, "-", 1);
        outu(&o, g->server_id);
        outn(&o, "-", 1);
        outu(&o, g->seq);
    }
    return o.used;
}

size_t bv_gtid_set_format(const bv_gtid_set *s, char *buf, size_t len)
{
    out o = {buf, len, 0};
    if (len)
        buf[0] = 0;
    for (size_t i = 0; i < s->nm; i++) {
        const msid *m = &s->m[i];
        int same_uuid = i > 0 && memcmp(s->m[i - 1].uuid, m->uuid, 16) == 0;
        if (!same_uuid) {
            if (i)
                outf(&o, ",");
            out_uuid(&o, m->uuid);
        }
        if (m->tag[0])
            outf(&o, ":%s", m->tag);
        for (size_t k = 0; k < m->n; k++) {
            if (m->iv[k].lo == m->iv[k].hi)
                outf(&o, ":%llu", (unsigned long long)m->iv[k].lo);
            else
                outf(&o, ":%llu-%llu", (unsigned long long)m->iv[k].lo, (unsigned long long)m->iv[k].hi);
        }
    }
    for (size_t i = 0; i < s->nd; i++)
        outf(&o, "%s%u-%u-%llu", i ? "," : "", s->d[i].domain, s->d[i].server,
             (unsigned long long)s->d[i].seq);
    return o.used;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parse a uuid (36 chars with dashes at 8,13,18,23, or 32 hex digits). */
static int parse_uuid(const char *p, size_t n, uint8_t out16[16])
{
    size_t k = 0;
    int hi = -1;
    if (n != 36 && n != 32)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (n == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (p[i] != '-')
                return -1;
            continue;
        }
        int v = hexval((unsigned char)p[i]);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            out16[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return k == 16 ? 0 : -1;
}

static int parse_u64(const char *p, size_t n, uint64_t *v)
{
    uint64_t r = 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (r > (UINT64_MAX - d) / 10)
            return -1;
        r = r * 10 + d;
    }
    *v = r;
    return 0;
}

static int valid_tag(const char *p, size_t n)
{
    if (n == 0 || n > BV_GTID_TAG_MAX || !(isalpha((unsigned char)p[0]) || p[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)p[i]) || p[i] == '_'))
            return 0;
    return 1;
}

static int parse_mariadb_elem(const char *p, size_t n, bv_gtid *g)
{
    const char *d1 = memchr(p, '-', n);
    if (!d1)
        return -1;
    const char *d2 = memchr(d1 + 1, '-', n - (size_t)(d1 + 1 - p));
    uint64_t dom, srv, seq;
    if (!d2 || parse_u64(p, (size_t)(d1 - p), &dom) || parse_u64(d1 + 1, (size_t)(d2 - d1 - 1), &srv) ||
        parse_u64(d2 + 1, n - (size_t)(d2 + 1 - p), &seq) || dom > UINT32_MAX || srv > UINT32_MAX)
        return -1;
    memset(g, 0, sizeof(*g));
    g->flavor = BV_GTID_MARIADB;
    g->domain = (uint32_t)dom;
    g->server_id = (uint32_t)srv;
    g->seq = seq;
    return 0;
}

int bv_gtid_valid(const bv_gtid *g)
{
    if (g->flavor == BV_GTID_NONE || g->flavor == BV_GTID_MARIADB)
        return 1;
    if (g->flavor != BV_GTID_MYSQL || g->seq == 0)
        return 0;
    size_t n = strnlen(g->tag, sizeof(g->tag));
    return n < sizeof(g->tag) && (n == 0 || valid_tag(g->tag, n));
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Append [lo, hi] without merging (parse normalises once at the end). */
static int append_ival(msid *m, uint64_t lo, uint64_t hi)
{
    if (m->n && lo >= m->iv[m->n - 1].lo)
        return add_ival(m, lo, hi); /* in order: merges with the last in O(1) */
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4;
        ival *n = realloc(m->iv, cap * sizeof(*n));
        if (!n)
            return BV_E_NOMEM;
        m->iv = n;
        m->cap = cap;
    }
    m->iv[m->n].lo = lo;
    m->iv[m->n].hi = hi;
    m->n++;
    return BV_OK;
}

static int cmp_ival(const void *a, const void *b)
{
    const ival *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge every interval list: O(n log n) however the text was ordered. */
static void normalise(bv_gtid_set *s)
{
    for (size_t k = 0; k < s->nm; k++) {
        msid *m = &s->m[k];
        if (m->n < 2)
            continue;
        qsort(m->iv, m->n, sizeof(ival), cmp_ival);
        merge_sorted(m);
    }
}

/* One MySQL element "uuid(:tag|:a|:a-b)*" added to s. */
static int parse_mysql_elem(bv_gtid_set *s, const char *p, size_t n)
{
    const char *c = memchr(p, ':', n);
    uint8_t uuid[16];
    char tag[BV_GTID_TAG_MAX + 1] = "";
    if (!c || parse_uuid(p, (size_t)(c - p), uuid))
        return -1;
    const char *q = c + 1, *end = p + n;
    int any = 0;
    while (q <= end) {
        const char *e = memchr(q, ':', (size_t)(end - q));
        if (!e)
            e = end;
        size_t len = (size_t)(e - q);
        if (len && (isalpha((unsigned char)q[0]) || q[0] == '_')) {
            if (!valid_tag(q, len))
                return -1;
            for (size_t k = 0; k < len; k++)
                tag[k] = (char)tolower((unsigned char)q[k]);
            tag[len] = 0;
        } else {
            const char *dash = memchr(q, '-', len);
            uint64_t lo, hi;
            if (dash) {
                if (parse_u64(q, (size_t)(dash - q), &lo) || parse_u64(dash + 1, (size_t)(e - dash - 1), &hi))
                    return -1;
            } else {
                if (parse_u64(q, len, &lo))
                    return -1;
                hi = lo;
            }
            if (lo == 0 || hi < lo)
                return -1;
            msid *m = find_sid(s, uuid, tag, 1);
            if (!m || append_ival(m, lo, hi))
                return -2;
            any = 1;
        }
        q = e + 1;
    }
    return any ? 0 : -1;
}

int bv_gtid_set_parse(bv_gtid_set *s, const char *text, size_t len, char *err, size_t errlen)
{
    bv_gtid_set t;
    memset(&t, 0, sizeof(t));
    size_t i = 0;
    while (i < len) {
        while (i < len && (is_space(text[i]) || text[i] == ','))
            i++;
        size_t j = i;
        while (j < len && text[j] != ',')
            j++;
        size_t e = j;
        while (e > i && is_space(text[e - 1]))
            e--;
        if (e > i) {
            const char *p = text + i;
            size_t n = e - i;
            int mysql = memchr(p, ':', n) != NULL;
            if (t.flavor != BV_GTID_NONE && t.flavor != (mysql ? BV_GTID_MYSQL : BV_GTID_MARIADB))
                goto bad;
            if (mysql) {
                int rc = parse_mysql_elem(&t, p, n);
                if (rc == -2) {
                    clear(&t);
                    return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
                }
                if (rc)
                    goto bad;
                t.flavor = BV_GTID_MYSQL;
            } else {
                bv_gtid g;
                if (parse_mariadb_elem(p, n, &g))
                    goto bad;
                mdom *d = find_dom(&t, g.domain, 0);
                if (d) /* one position per domain */
                    goto bad;
                if (bv_gtid_set_add(&t, &g, err, errlen)) {
                    clear(&t);
                    return BV_E_NOMEM;
                }
            }
        }
        i = j;
    }
    normalise(&t);
    clear(s);
    *s = t;
    return BV_OK;
bad:
    clear(&t);
    return bv_seterr(err, errlen, BV_E_INVAL, "invalid GTID set '%.*s'", (int)(len > 200 ? 200 : len), text);
}

int bv_gtid_parse(bv_gtid *g, const char *text, size_t len, char *err, size_t errlen)
{
    memset(g, 0, sizeof(*g));
    if (memchr(text, ':', len)) {
        const char *c1 = memchr(text, ':', len);
        const char *last = text + len;
        while (last > c1 && last[-1] != ':')
            last--;
        uint64_t seq;
        if (parse_uuid(text, (size_t)(c1 - text), g->uuid) ||
            parse_u64(last, len - (size_t)(last - text), &seq) || seq == 0)
            goto bad;
        if (last - 1 > c1) {
            size_t tl = (size_t)(last - 1 - (c1 + 1));
            if (!valid_tag(c1 + 1, tl))
                goto bad;
            for (size_t k = 0; k < tl; k++)
                g->tag[k] = (char)tolower((unsigned char)c1[1 + k]);
            g->tag[tl] = 0;
        }
        g->flavor = BV_GTID_MYSQL;
        g->seq = seq;
        return BV_OK;
    }
    if (parse_mariadb_elem(text, len, g) == 0)
        return BV_OK;
bad:
    memset(g, 0, sizeof(*g));
    return bv_seterr(err, errlen, BV_E_INVAL, "invalid GTID '%.*s'", (int)(len > 100 ? 100 : len), text);
}
