/* Archive-level tests: write a realistic synthetic stream through the segment
 * writer (small blocks and segments, DDL, rotations, several sessions) and
 * read it back with the reader; ranges; the listing; the writer's rules and
 * the archive directory rules; read-only directories and a full disk. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "binvault/archive.h"
#include "binvault/error.h"
#include "binvault/event.h"
#include "binvault/gtid.h"
#include "harness.h"
#include "synth.h"
#include "testutil.h"

#define START_UUID "11111111-2222-3333-4444-555555555555"
#define CUSTOM_UUID "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

/* ------------------------------------------------------------ small file helpers */

/* Copy every segment (not LOCK) of src into a new directory dst. */
static int copy_dir(const char *src, const char *dst)
{
    DIR *d = opendir(src);
    struct dirent *de;
    int rc = 0;
    if (!d || mkdir(dst, 0750) != 0) {
        if (d)
            closedir(d);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        char a[4096], b[4096];
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "LOCK"))
            continue;
        tu_pathf(a, sizeof(a), "%s/%s", src, de->d_name);
        tu_pathf(b, sizeof(b), "%s/%s", dst, de->d_name);
        if (tu_copy_file(a, b))
            rc = -1;
    }
    closedir(d);
    return rc;
}

static int cmp_names(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* Sorted file names of dir (LOCK included); returns the count. */
static int list_dir2(const char *dir, char (*names)[320], int max, int skip_lock)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (skip_lock && !strcmp(de->d_name, "LOCK"))
            continue;
        if (n < max)
            snprintf(names[n++], 320, "%s", de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, 320, cmp_names);
    return n;
}

static int list_dir(const char *dir, char (*names)[320], int max) { return list_dir2(dir, names, max, 0); }

/* Concatenation of every file name (but LOCK) and size: a fingerprint of the directory. */
static void dir_fingerprint(const char *dir, char *out, size_t outlen)
{
    char names[64][320];
    int n = list_dir2(dir, names, 64, 1);
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < n && used < outlen; i++) {
        char p[4096];
        tu_pathf(p, sizeof(p), "%s/%s", dir, names[i]);
        int k = snprintf(out + used, outlen - used, "%s=%lld;", names[i], tu_file_size(p));
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/* ------------------------------------------------------------ writer options */

/* ------------------------------------------------------------ reading back */

typedef struct rcase {
    char what[200];
    bv_range r;
    char from_file[40], to_file[40];
} rcase;

/* The events a range selects, computed from the model by the documented rules. */
static size_t *expect_range(const tu_model *m, const bv_range *rg, size_t *nout, int *want_rc)
{
    size_t k = 0, end = m->n, n = 0;
    size_t *idx = malloc((m->n + 1) * sizeof(*idx));
    *want_rc = BV_OK;
    if (!idx)
        abort();
    if (rg && rg->has_from) {
        int seen = 0;
        size_t last = 0;
        k = SIZE_MAX;
        for (size_t i = 0; i < m->n; i++) {
            if (strlen(m->ev[i].file) == rg->from_file.len && !memcmp(m->ev[i].file, rg->from_file.ptr, rg->from_file.len)) {
                seen = 1;
                last = i;
                if (m->ev[i].off >= rg->from_offset) {
                    k = i;
                    break;
                }
            }
        }
        if (k == SIZE_MAX) {
            if (!seen) {
                *want_rc = BV_E_NOTFOUND;
                *nout = 0;
                return idx;
            }
            k = last + 1; /* from_offset past the end of from_file: the next file */
        }
    }
    if (rg && rg->has_to) {
        int seen = 0;
        for (size_t i = 0; i < m->n; i++) {
            int in = strlen(m->ev[i].file) == rg->to_file.len && !memcmp(m->ev[i].file, rg->to_file.ptr, rg->to_file.len);
            if (i >= k && ((in && m->ev[i].off >= rg->to_offset) || (!in && seen))) {
                end = i;
                break;
            }
            seen |= in;
        }
    }
    for (size_t i = k; i < end; i++) {
        if (rg && rg->has_since && m->ev[i].ts < rg->since_us)
            continue;
        if (rg && rg->has_until && m->ev[i].ts >= rg->until_us)
            continue;
        idx[n++] = i;
    }
    *nout = n;
    return idx;
}

/* Read dir with range rg; compare every event with the model's expectation. */
static int check_read(const char *what, const char *dir, const bv_range *rg, const tu_model *m)
{
    size_t nexp;
    int want_rc;
    size_t *idx = expect_range(m, rg, &nexp, &want_rc);
    bv_reader *r = NULL;
    char err[1024] = "";
    tu_sb b = {0};
    size_t got = 0, bad = SIZE_MAX;
    int rc = bv_reader_open(&r, dir, rg, err, sizeof(err));
    int ok = 1;
    if (rc != BV_OK) {
        T_OK(0, "%s: reader opens (%s: %s)", what, bv_strerror(rc), err);
        free(idx);
        return 0;
    }
    const bv_event *ev;
    while ((rc = bv_reader_next(r, &ev, err, sizeof(err))) == 1) {
        if (bad == SIZE_MAX) {
            tu_sb_reset(&b);
            tu_render_event(&b, ev);
            if (got >= nexp || strcmp(b.p, m->ev[idx[got]].render) != 0) {
                bad = got;
                t_note("%s: event %zu differs:", what, got);
                t_note("  got:  %.300s", b.p);
                t_note("  want: %.300s", got < nexp ? m->ev[idx[got]].render : "(no more events)");
            }
        }
        got++;
    }
    bv_reader_free(r);
    if (rc != want_rc) {
        ok = 0;
        t_note("%s: reader ended with %d (%s), want %d", what, rc, rc < 0 ? err : "", want_rc);
    }
    if (got != nexp) {
        ok = 0;
        t_note("%s: %zu events, want %zu", what, got, nexp);
    }
    if (bad != SIZE_MAX)
        ok = 0;
    T_OK(ok, "%s: %zu events as expected", what, nexp);
    free(idx);
    free(b.p);
    return ok;
}

static void set_from(rcase *c, const char *file, uint64_t off)
{
    snprintf(c->from_file, sizeof(c->from_file), "%s", file);
    c->r.has_from = 1;
    c->r.from_file = tu_str(c->from_file);
    c->r.from_offset = off;
}

static void set_to(rcase *c, const char *file, uint64_t off)
{
    snprintf(c->to_file, sizeof(c->to_file), "%s", file);
    c->r.has_to = 1;
    c->r.to_file = tu_str(c->to_file);
    c->r.to_offset = off;
}

/* A battery of ranges built from the model's own events. */
static void range_battery(const char *label, const char *dir, const tu_model *m, const bv_archive *a, int spread)
{
    rcase c;
    size_t picks[24];
    size_t np = 0;
    char what[256];
    /* deterministic picks: spread over the stream, plus a rotate, a DDL, an update row */
    for (int i = 0; i < spread; i++)
        picks[np++] = (m->n - 1) * (size_t)i / (size_t)(spread - 1);
    for (size_t i = m->n / 3, found = 0; i < m->n && found < 3; i++) {
        if ((found == 0 && m->ev[i].type == BV_EV_ROTATE) || (found == 1 && m->ev[i].type == BV_EV_DDL) ||
            (found == 2 && m->ev[i].type == BV_EV_UPDATE)) {
            picks[np++] = i;
            found++;
        }
    }
    /* the first event of a segment in the middle of the archive */
    if (a && bv_archive_count(a) > 2) {
        const bv_segment_info *si = bv_archive_segment(a, bv_archive_count(a) / 2);
        for (size_t i = 0; i < m->n; i++) {
            if (strlen(m->ev[i].file) == si->start_file.len && !memcmp(m->ev[i].file, si->start_file.ptr, si->start_file.len) &&
                m->ev[i].off >= si->start_offset) {
                picks[np++] = i;
                break;
            }
        }
    }

    memset(&c, 0, sizeof(c));
    snprintf(what, sizeof(what), "%s: whole archive", label);
    check_read(what, dir, NULL, m);

    for (size_t p = 0; p < np; p++) {
        const tu_evmeta *e = &m->ev[picks[p]];
        memset(&c, 0, sizeof(c));
        set_from(&c, e->file, e->off);
        snprintf(what, sizeof(what), "%s: --from %s:%llu (event %zu, %s)", label, e->file, (unsigned long long)e->off,
                 picks[p], bv_event_type_name(e->type));
        check_read(what, dir, &c.r, m);
        memset(&c, 0, sizeof(c));
        set_from(&c, e->file, e->off + 1);
        snprintf(what, sizeof(what), "%s: --from %s:%llu (just after event %zu)", label, e->file,
                 (unsigned long long)e->off + 1, picks[p]);
        check_read(what, dir, &c.r, m);
        memset(&c, 0, sizeof(c));
        set_to(&c, e->file, e->off);
        snprintf(what, sizeof(what), "%s: --to %s:%llu (event %zu)", label, e->file, (unsigned long long)e->off,
                 picks[p]);
        check_read(what, dir, &c.r, m);
        memset(&c, 0, sizeof(c));
        set_to(&c, e->file, e->off + 1);
        snprintf(what, sizeof(what), "%s: --to %s:%llu", label, e->file, (unsigned long long)e->off + 1);
        check_read(what, dir, &c.r, m);
        memset(&c, 0, sizeof(c));
        c.r.has_since = 1;
        c.r.since_us = e->ts;
        snprintf(what, sizeof(what), "%s: --since %llu (ts of event %zu, inclusive)", label, (unsigned long long)e->ts,
                 picks[p]);
        check_read(what, dir, &c.r, m);
        memset(&c, 0, sizeof(c));
        c.r.has_until = 1;
        c.r.until_us = e->ts;
        snprintf(what, sizeof(what), "%s: --until %llu (ts of event %zu, exclusive)", label, (unsigned long long)e->ts,
                 picks[p]);
        check_read(what, dir, &c.r, m);
    }
    /* pairs */
    for (size_t p = 0; p + 1 < np; p++) {
        const tu_evmeta *e1 = &m->ev[picks[p]], *e2 = &m->ev[picks[(p + 3) % np]];
        memset(&c, 0, sizeof(c));
        set_from(&c, e1->file, e1->off);
        set_to(&c, e2->file, e2->off);
        snprintf(what, sizeof(what), "%s: --from %s:%llu --to %s:%llu", label, e1->file, (unsigned long long)e1->off,
                 e2->file, (unsigned long long)e2->off);
        check_read(what, dir, &c.r, m);
        memset(&c, 0, sizeof(c));
        c.r.has_since = 1;
        c.r.since_us = e1->ts + 1;
        c.r.has_until = 1;
        c.r.until_us = e2->ts + 1;
        snprintf(what, sizeof(what), "%s: --since %llu --until %llu", label, (unsigned long long)c.r.since_us,
                 (unsigned long long)c.r.until_us);
        check_read(what, dir, &c.r, m);
        /* a position bound and a time bound together */
        memset(&c, 0, sizeof(c));
        set_to(&c, e1->file, e1->off);
        c.r.has_since = 1;
        c.r.since_us = e2->ts;
        snprintf(what, sizeof(what), "%s: --to %s:%llu --since %llu", label, e1->file, (unsigned long long)e1->off,
                 (unsigned long long)e2->ts);
        check_read(what, dir, &c.r, m);
        memset(&c, 0, sizeof(c));
        set_from(&c, e1->file, e1->off);
        c.r.has_until = 1;
        c.r.until_us = e2->ts;
        snprintf(what, sizeof(what), "%s: --from %s:%llu --until %llu", label, e1->file, (unsigned long long)e1->off,
                 (unsigned long long)e2->ts);
        check_read(what, dir, &c.r, m);
    }
    /* a file the archive does not hold */
    memset(&c, 0, sizeof(c));
    set_from(&c, "mysql-bin.999999", 4);
    snprintf(what, sizeof(what), "%s: --from a file not in the archive -> BV_E_NOTFOUND", label);
    check_read(what, dir, &c.r, m);
    memset(&c, 0, sizeof(c));
    set_to(&c, "mysql-bin.999999", 4);
    snprintf(what, sizeof(what), "%s: --to a file not in the archive: everything", label);
    check_read(what, dir, &c.r, m);
    /* the first event's own position as --to: nothing */
    memset(&c, 0, sizeof(c));
    set_to(&c, m->ev[0].file, m->ev[0].off);
    snprintf(what, sizeof(what), "%s: --to the first event: nothing", label);
    check_read(what, dir, &c.r, m);
}

/* ------------------------------------------------------------ listing checks */

static void check_listing(const char *label, const char *dir, const tu_model *m, const char *start_gtid, int want_open,
                          int spread)
{
    bv_archive *a = NULL;
    char err[1024] = "", what[256];
    int rc = bv_archive_open(&a, dir, err, sizeof(err));
    snprintf(what, sizeof(what), "%s: listing opens", label);
    if (!T_OK(rc == BV_OK, "%s (%s)", what, err))
        return;
    size_t n = bv_archive_count(a);
    T_OK(n >= 3, "%s: %zu segments (several)", label, n);
    uint64_t events = 0, counts[BV_EV_TYPE_MAX + 1] = {0};
    int seq_ok = 1, name_ok = 1, cont_ok = 1, sealed_ok = 1, problem_ok = 1, ts_ok = 1;
    uint64_t min_ts = UINT64_MAX, max_ts = 0;
    for (size_t i = 0; i < n; i++) {
        const bv_segment_info *si = bv_archive_segment(a, i);
        char want[400];
        if (si->problem) {
            problem_ok = 0;
            t_note("%s: %s", si->name, si->problem);
            continue;
        }
        if (si->seq != i)
            seq_ok = 0;
        snprintf(want, sizeof(want), "%010zu-%.*s-%012llu.bvseg%s", i, (int)si->start_file.len, si->start_file.ptr,
                 (unsigned long long)si->start_offset, si->sealed ? "" : ".part");
        if (strcmp(want, si->name) != 0) {
            name_ok = 0;
            t_note("name %s, want %s", si->name, want);
        }
        int want_sealed = !(want_open && i + 1 == n);
        if (si->sealed != want_sealed)
            sealed_ok = 0;
        if (i > 0) {
            const bv_segment_info *pv = bv_archive_segment(a, i - 1);
            if (pv->end_file.len != si->start_file.len || memcmp(pv->end_file.ptr, si->start_file.ptr, si->start_file.len) ||
                pv->end_offset != si->start_offset || pv->end_gtid_set.len != si->start_gtid_set.len ||
                memcmp(pv->end_gtid_set.ptr, si->start_gtid_set.ptr, si->start_gtid_set.len)) {
                cont_ok = 0;
                t_note("segment %zu does not start where %zu ends", i, i - 1);
            }
        } else {
            char sf[300];
            snprintf(sf, sizeof(sf), "%.*s", (int)si->start_file.len, si->start_file.ptr);
            T_EQ_STR(sf, TU_FILE1, "first segment starts in the start file");
            T_EQ_U64(si->start_offset, 4, "first segment starts at the start offset");
            char g[256];
            snprintf(g, sizeof(g), "%.*s", (int)si->start_gtid_set.len, si->start_gtid_set.ptr);
            T_EQ_STR(g, start_gtid, "first segment's start GTID set is the writer's start set");
        }
        events += si->events;
        for (int t = 0; t <= BV_EV_TYPE_MAX; t++)
            counts[t] += si->counts[t];
        if (si->events) {
            if (si->min_ts_us > si->max_ts_us)
                ts_ok = 0;
            if (si->min_ts_us < min_ts)
                min_ts = si->min_ts_us;
            if (si->max_ts_us > max_ts)
                max_ts = si->max_ts_us;
        }
        if (si->blocks == 0 || si->file_bytes == 0 || si->raw_bytes <= si->file_bytes / 2)
            ts_ok = 0;
    }
    T_OK(problem_ok, "%s: no segment has a problem", label);
    T_OK(seq_ok, "%s: sequence numbers 0..%zu", label, n - 1);
    T_OK(name_ok, "%s: names built from sequence, start file and offset", label);
    T_OK(sealed_ok, "%s: %s", label, want_open ? "all sealed but the newest" : "all sealed");
    T_OK(cont_ok, "%s: each segment starts where the previous ends (file, offset, GTID set)", label);
    T_OK(ts_ok, "%s: per-segment time ranges, blocks and sizes are sane", label);
    T_EQ_U64(events, m->n, "listing: total events equal what was appended");
    int counts_ok = 1;
    for (int t = 1; t <= BV_EV_TYPE_MAX; t++)
        if (counts[t] != m->counts[t]) {
            counts_ok = 0;
            t_note("%s: %llu, want %llu", bv_event_type_name(t), (unsigned long long)counts[t],
                   (unsigned long long)m->counts[t]);
        }
    T_OK(counts_ok, "%s: listing counts by event type equal what was appended", label);
    uint64_t mmin = UINT64_MAX, mmax = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (m->ev[i].ts < mmin)
            mmin = m->ev[i].ts;
        if (m->ev[i].ts > mmax)
            mmax = m->ev[i].ts;
    }
    T_EQ_U64(min_ts, mmin, "listing: earliest event time");
    T_EQ_U64(max_ts, mmax, "listing: latest event time");
    const bv_segment_info *last = bv_archive_segment(a, n - 1);
    char f[300], g[4096], wg[4096];
    snprintf(f, sizeof(f), "%.*s", (int)last->end_file.len, last->end_file.ptr);
    T_EQ_STR(f, m->end_file, "listing: end file of the newest segment");
    T_EQ_U64(last->end_offset, m->end_off, "listing: end offset of the newest segment");
    snprintf(g, sizeof(g), "%.*s", (int)last->end_gtid_set.len, last->end_gtid_set.ptr ? last->end_gtid_set.ptr : "");
    bv_gtid_set_format(m->gset, wg, sizeof(wg));
    T_EQ_STR(g, wg, "listing: end GTID set of the newest segment");
    range_battery(label, dir, m, a, spread);
    bv_archive_free(a);
}

/* ------------------------------------------------------------ custom events: every value kind, notes */

static bv_schema *allkinds_schema(void)
{
    static const bv_str members[3] = {{"red", 3}, {"green", 5}, {"blue", 4}};
    bv_schema *s = bv_schema_new(tu_str("t"), tu_str("allkinds"), BV_SCHEMA_FROM_LIVE);
    for (int i = 0; i <= BV_VAL_KIND_MAX; i++) {
        bv_column c;
        char name[16];
        memset(&c, 0, sizeof(c));
        snprintf(name, sizeof(name), "c%d", i);
        c.name = tu_str(name);
        c.type = c.real_type = (uint8_t)(i == BV_VAL_ENUM ? BV_MYSQL_TYPE_ENUM : i == BV_VAL_SET ? BV_MYSQL_TYPE_SET : BV_MYSQL_TYPE_BLOB);
        c.flags = BV_COL_NULLABLE;
        if (i == BV_VAL_ENUM || i == BV_VAL_SET) {
            c.nmembers = 3;
            c.members = members;
        }
        c.type_name = tu_str(i == BV_VAL_ENUM ? "enum('red','green','blue')" : "");
        if (bv_schema_add_column(s, &c, NULL, 0) != BV_OK)
            abort();
    }
    uint32_t pk = 2;
    if (bv_schema_set_primary_key(s, &pk, NULL, 1, NULL, 0) != BV_OK || bv_schema_finish(s, NULL, 0) != BV_OK)
        abort();
    return s;
}

static void allkinds_values(bv_value *v, int variant)
{
    static const char bytes[] = {0, 1, 2, (char)0xff, 'x'};
    static const char geo[] = {0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x24, 0x40};
    static const char vec[] = {0, 0, (char)0x80, 0x3f, 0, 0, 0, 0x40};
    memset(v, 0, sizeof(bv_value) * (BV_VAL_KIND_MAX + 1));
    for (int i = 0; i <= BV_VAL_KIND_MAX; i++)
        v[i].kind = (uint8_t)i;
    v[BV_VAL_INT].v.i = variant ? INT64_MIN : -42;
    v[BV_VAL_UINT].v.u = variant ? UINT64_MAX : 42;
    v[BV_VAL_FLOAT].v.f = variant ? -0.0f : 3.25f;
    v[BV_VAL_DOUBLE].v.d = variant ? 1e308 : -2.5e-300;
    v[BV_VAL_DECIMAL].v.s = tu_str(variant ? "-0.000000001" : "123456789012345678901234567890.5");
    v[BV_VAL_DATE].v.dt.year = 0;
    v[BV_VAL_DATE].v.dt.month = variant ? 0 : 2;
    v[BV_VAL_DATE].v.dt.day = 29;
    v[BV_VAL_TIME].v.time.negative = 1;
    v[BV_VAL_TIME].v.time.hour = 838;
    v[BV_VAL_TIME].v.time.minute = 59;
    v[BV_VAL_TIME].v.time.second = 59;
    v[BV_VAL_TIME].v.time.usec = variant ? 0 : 999999;
    v[BV_VAL_DATETIME].v.dt.year = 9999;
    v[BV_VAL_DATETIME].v.dt.month = 12;
    v[BV_VAL_DATETIME].v.dt.day = 31;
    v[BV_VAL_DATETIME].v.dt.hour = 23;
    v[BV_VAL_DATETIME].v.dt.minute = 59;
    v[BV_VAL_DATETIME].v.dt.second = 59;
    v[BV_VAL_DATETIME].v.dt.usec = 123456;
    v[BV_VAL_TIMESTAMP].v.ts.sec = variant ? 0 : 2147483648u;
    v[BV_VAL_TIMESTAMP].v.ts.usec = 5;
    v[BV_VAL_YEAR].v.u = variant ? 0 : 2155;
    v[BV_VAL_STRING].v.s = tu_str(variant ? "" : "h\xc3\xa9llo \"w\"\n");
    v[BV_VAL_BYTES].v.s.ptr = bytes;
    v[BV_VAL_BYTES].v.s.len = variant ? 1 : sizeof(bytes);
    v[BV_VAL_JSON].v.s = tu_str("{\"a\":[1,2,{\"b\":null}]}");
    v[BV_VAL_BIT].v.u = variant ? 1 : 0x1ffff;
    v[BV_VAL_ENUM].v.u = variant ? 0 : 3;
    v[BV_VAL_SET].v.u = variant ? 7 : 5;
    v[BV_VAL_GEOMETRY].v.s.ptr = geo;
    v[BV_VAL_GEOMETRY].v.s.len = sizeof(geo);
    v[BV_VAL_VECTOR].v.s.ptr = vec;
    v[BV_VAL_VECTOR].v.s.len = variant ? 4 : sizeof(vec);
}

/* One transaction with every value kind, a NOTE inside and one outside, a DDL
 * whose text has a NUL and a non-UTF-8 byte; offsets 4..431 of TU_FILE1. */
static int custom_events(bv_writer *w, tu_model *m, bv_schema *sc, uint64_t ts)
{
    bv_event e;
    bv_value a[BV_VAL_KIND_MAX + 1], b[BV_VAL_KIND_MAX + 1];
    int rc = 0;
    static const char sql[] = "ALTER TABLE t.allkinds COMMENT '\xff\0z'";
    allkinds_values(a, 0);
    allkinds_values(b, 1);
    b[BV_VAL_STRING].kind = BV_VAL_ABSENT;
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_BEGIN;
    e.pos.file = tu_str(TU_FILE1);
    e.pos.offset = 4;
    e.ts_us = ts;
    e.server_id = 7;
    e.thread_id = 4242;
    e.flags = 3;
    e.gtid.flavor = BV_GTID_MYSQL;
    if (bv_gtid_parse(&e.gtid, CUSTOM_UUID ":custom:5", strlen(CUSTOM_UUID ":custom:5"), NULL, 0) != BV_OK)
        abort();
    rc |= tu_append(w, m, &e);
    memset(&e, 0, sizeof(e));
    e.pos.file = tu_str(TU_FILE1);
    e.ts_us = ts + 1;
    e.schema = sc;
    e.ncols = bv_schema_ncols(sc);
    e.type = BV_EV_INSERT;
    e.pos.offset = 100;
    e.after = a;
    rc |= tu_append(w, m, &e);
    e.type = BV_EV_UPDATE;
    e.pos.row = 1;
    e.before = a;
    e.after = b;
    rc |= tu_append(w, m, &e);
    e.type = BV_EV_DELETE;
    e.pos.offset = 220;
    e.pos.row = 0;
    e.before = b;
    e.after = NULL;
    rc |= tu_append(w, m, &e);
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_NOTE;
    e.pos.file = tu_str(TU_FILE1);
    e.pos.offset = 300;
    e.ts_us = ts + 2;
    e.note_level = BV_NOTE_WARNING;
    e.text = tu_str("a note inside a transaction");
    rc |= tu_append(w, m, &e);
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_DDL;
    e.pos.file = tu_str(TU_FILE1);
    e.pos.offset = 310;
    e.ts_us = ts + 2;
    e.database = tu_str("t");
    e.sql.ptr = sql;
    e.sql.len = sizeof(sql) - 1;
    rc |= tu_append(w, m, &e);
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_COMMIT;
    e.pos.file = tu_str(TU_FILE1);
    e.pos.offset = 400;
    e.end_offset = 431;
    e.ts_us = ts + 3;
    e.commit_kind = BV_COMMIT_QUERY;
    e.xid = 99;
    rc |= tu_append(w, m, &e);
    memset(&e, 0, sizeof(e));
    e.type = BV_EV_NOTE;
    e.pos.file = tu_str(TU_FILE1);
    e.pos.offset = 431;
    e.ts_us = ts + 4;
    e.note_level = BV_NOTE_INFO;
    e.text = tu_str("a note between transactions");
    rc |= tu_append(w, m, &e);
    return rc;
}

/* ------------------------------------------------------------ writer state checks */

static void check_end(const char *label, bv_writer *w, const tu_model *m)
{
    bv_str f;
    uint64_t off;
    char file[300], g[4096], wg[4096], what[300];
    bv_writer_end(w, &f, &off);
    snprintf(file, sizeof(file), "%.*s", (int)f.len, f.ptr);
    snprintf(what, sizeof(what), "%s: bv_writer_end file", label);
    T_EQ_STR(file, m->end_file, what);
    snprintf(what, sizeof(what), "%s: bv_writer_end offset", label);
    T_EQ_U64(off, m->end_off, what);
    bv_gtid_set_format(bv_writer_gtid_set(w), g, sizeof(g));
    bv_gtid_set_format(m->gset, wg, sizeof(wg));
    snprintf(what, sizeof(what), "%s: bv_writer_gtid_set", label);
    T_EQ_STR(g, wg, what);
    T_OK(bv_gtid_set_equal(bv_writer_gtid_set(w), m->gset), "%s: GTID sets equal (bv_gtid_set_equal)", label);
}

/* An event must be refused with BV_E_STATE and leave the writer unchanged. */
static void expect_refused(bv_writer *w, const tu_model *m, const bv_event *ev, const char *what)
{
    char err[1024] = "";
    int in_txn = bv_writer_in_transaction(w);
    int rc = bv_writer_append(w, ev, err, sizeof(err));
    T_EQ_INT(rc, BV_E_STATE, what);
    T_OK(err[0] != 0, "%s: with a message (%s)", what, err);
    T_EQ_INT(bv_writer_in_transaction(w), in_txn, "transaction state unchanged");
    bv_str f;
    uint64_t off;
    bv_writer_end(w, &f, &off);
    T_OK(f.len == strlen(m->end_file) && !memcmp(f.ptr, m->end_file, f.len) && off == m->end_off,
         "%s: end position unchanged", what);
    T_OK(bv_gtid_set_equal(bv_writer_gtid_set(w), m->gset), "%s: GTID set unchanged", what);
}

/* ------------------------------------------------------------ the main write/read test */

static const char *start_gtid = START_UUID ":1-10";

static void test_write_read(void)
{
    const char *root = t_tmpdir();
    char dir[4096], err[1024], what[256];
    bv_writer *w = NULL, *w2 = NULL;
    bv_writer_opts o;
    bv_synth_opts so;
    tu_model m;
    int rc;
    tu_pathf(dir, sizeof(dir), "%s/arch", root);
    tu_model_init(&m, TU_FILE1, 4, start_gtid);
    bv_schema *sc = allkinds_schema();

    bv_synth_opts_init(&so);
    so.seed = 7;
    so.start_offset = 1000;
    so.ddl_every = 40;
    so.rotate_every = 250000;
    bv_synth *syn = bv_synth_new(&so);

    /* session 1 */
    tu_wopts(&o, 4096, 65536, start_gtid, BV_GTID_MYSQL);
    rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "writer opens a new archive (%s)", rc ? err : "ok"))
        return;
    T_EQ_INT(bv_writer_recovery(w)->recovered, 0, "nothing to recover in a new archive");
    T_EQ_INT(bv_writer_existing(w)->found, 0, "a new archive: no existing segment found");
    check_end("new archive", w, &m);
    tu_append_failures = 0;
    rc = custom_events(w, &m, sc, so.start_ts_us - 86400000000ull);
    rc |= tu_feed(w, &m, syn, 1250, 0);
    T_OK(rc == BV_OK && tu_append_failures == 0, "session 1: %zu events appended", m.n);
    check_end("session 1", w, &m);
    rc = bv_writer_close(w, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "session 1: close");

    /* the open segment as listed before the next session */
    bv_archive *a = NULL;
    char part[320] = "";
    uint64_t part_bytes = 0;
    uint32_t part_blocks = 0;
    size_t nseg1 = 0;
    if (bv_archive_open(&a, dir, err, sizeof(err)) == BV_OK) {
        nseg1 = bv_archive_count(a);
        const bv_segment_info *si = bv_archive_segment(a, nseg1 - 1);
        if (!si->sealed) {
            snprintf(part, sizeof(part), "%s", si->name);
            part_bytes = si->file_bytes;
            part_blocks = si->blocks;
        }
        bv_archive_free(a);
    }
    T_OK(nseg1 >= 3, "session 1 wrote %zu segments", nseg1);
    T_OK(part[0] != 0, "session 1 left an open segment (%s)", part);

    /* session 2: continue */
    rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "session 2: writer reopens (%s)", rc ? err : "ok"))
        return;
    const bv_recovery *rec = bv_writer_recovery(w);
    T_EQ_INT(rec->recovered, 1, "session 2: the open segment was checked");
    T_EQ_STR(rec->segment, part, "session 2: recovery names the open segment");
    T_EQ_U64(rec->bytes_cut, 0, "session 2: nothing cut after a clean close");
    T_EQ_U64(rec->events_cut, 0, "session 2: no events cut after a clean close");
    T_EQ_U64(rec->valid_bytes, part_bytes, "session 2: valid bytes = the open segment's size");
    T_EQ_U64(rec->blocks_kept, part_blocks, "session 2: every block kept");
    T_EQ_INT(rec->removed_empty, 0, "session 2: segment not removed");
    T_EQ_INT(rec->removed_tmp, 0, "session 2: no temporary files");
    {
        /* the archive as found: start from the first (sealed) segment, the
         * source from the open one */
        const bv_writer_found *f = bv_writer_existing(w);
        T_EQ_INT(f->found, 1, "session 2: the existing archive was found");
        T_OK(f->start_file.len == strlen(TU_FILE1) && memcmp(f->start_file.ptr, TU_FILE1, f->start_file.len) == 0 &&
                 f->start_offset == 4,
             "session 2: found start %.*s:%llu (the first segment's)", (int)f->start_file.len, f->start_file.ptr,
             (unsigned long long)f->start_offset);
        T_EQ_U64(f->source.server_id, 1, "session 2: found source server id 1 (the newest segment's header)");
        T_EQ_INT(f->source.flavor, BV_GTID_MYSQL, "session 2: found source flavor MySQL");
    }
    check_end("session 2 start", w, &m);

    /* one writer per archive */
    rc = bv_writer_open(&w2, dir, &o, err, sizeof(err));
    T_EQ_INT(rc, BV_E_LOCKED, "a second writer on the same archive: BV_E_LOCKED");
    T_OK(tu_has(err, dir), "BV_E_LOCKED message names the archive (%s)", err);
    T_OK(w2 == NULL, "no writer returned when locked");

    /* the rules: each refused event leaves no trace */
    {
        const bv_event *ev;
        bv_event bad;
        /* advance the synth stream to a BEGIN that directly follows a COMMIT */
        for (;;) {
            ev = bv_synth_next(syn);
            if (ev->type == BV_EV_BEGIN && m.n && m.ev[m.n - 1].type == BV_EV_COMMIT)
                break;
            if ((rc = tu_append(w, &m, ev)) != BV_OK)
                break;
        }
        bv_event begin = *ev;
        char bfile[64];
        snprintf(bfile, sizeof(bfile), "%.*s", (int)ev->pos.file.len, ev->pos.file.ptr);
        begin.pos.file = tu_str(bfile);
        const bv_event *row = bv_synth_next(syn); /* a row of that transaction (not appended yet) */
        T_OK(row->type >= BV_EV_INSERT && row->type <= BV_EV_DDL, "synth: a change follows BEGIN");
        expect_refused(w, &m, row, "row outside a transaction");
        bad = begin;
        bad.type = BV_EV_COMMIT;
        bad.end_offset = bad.pos.offset + 10;
        expect_refused(w, &m, &bad, "COMMIT without BEGIN");
        bad = begin;
        bad.type = BV_EV_DDL;
        bad.database = tu_str("shop");
        bad.sql = tu_str("DROP TABLE x");
        expect_refused(w, &m, &bad, "DDL outside a transaction");
        bad = begin;
        bad.pos.file = tu_str("mysql-bin.777777");
        expect_refused(w, &m, &bad, "BEGIN in another binlog file than the stream's");
        bad = begin;
        bad.pos.offset = m.ev[m.n - 1].off - 1;
        expect_refused(w, &m, &bad, "BEGIN at an offset before the last event's");
        rc = tu_append(w, &m, &begin);
        T_EQ_INT(rc, BV_OK, "the BEGIN itself is accepted");
        bad = begin;
        bad.gtid.seq += 1000000;
        expect_refused(w, &m, &bad, "BEGIN inside a transaction");
        memset(&bad, 0, sizeof(bad));
        bad.type = BV_EV_ROTATE;
        bad.pos = begin.pos;
        bad.ts_us = begin.ts_us;
        bad.new_file = tu_str("mysql-bin.888888");
        bad.end_offset = 4;
        expect_refused(w, &m, &bad, "ROTATE inside a transaction");
        rc = tu_append(w, &m, row);
        T_EQ_INT(rc, BV_OK, "the row is accepted inside the transaction");
        bad = *row;
        bad.pos.offset -= 1;
        expect_refused(w, &m, &bad, "row going back one byte");
        {
            /* invalid values: refused before anything is written, naming the column and kind */
            bv_event nxt = *row;
            nxt.pos.row += 1000;
            const bv_value *src = nxt.type == BV_EV_DELETE ? nxt.before : nxt.after;
            bv_value img[64];
            T_OK(nxt.ncols >= 2 && nxt.ncols <= 64, "synth row has 2..64 columns");
            static const struct { uint8_t kind; const char *text; const char *name; } badv[] = {
                {BV_VAL_DECIMAL, "01.5", "decimal"}, {BV_VAL_DECIMAL, "1.", "decimal"},
                {BV_VAL_GEOMETRY, "abc", "geometry"}, {BV_VAL_VECTOR, "abcde", "vector"}, {21, "", "unknown"}};
            for (size_t b = 0; b < sizeof(badv) / sizeof(badv[0]) && nxt.ncols <= 64; b++) {
                memcpy(img, src, nxt.ncols * sizeof(img[0]));
                memset(&img[1], 0, sizeof(img[1]));
                img[1].kind = badv[b].kind;
                img[1].v.s.ptr = badv[b].text;
                img[1].v.s.len = strlen(badv[b].text);
                if (nxt.type == BV_EV_DELETE)
                    nxt.before = img;
                else
                    nxt.after = img;
                char e2[512] = "";
                rc = bv_writer_append(w, &nxt, e2, sizeof(e2));
                T_EQ_INT(rc, BV_E_INVAL, "row with an invalid value: BV_E_INVAL");
                char want[64];
                snprintf(want, sizeof(want), "column 1: invalid %s value", badv[b].name);
                T_OK(tu_has(e2, want), "the message names column 1 and the kind (%s)", e2);
                bv_str f;
                uint64_t off;
                bv_writer_end(w, &f, &off);
                T_EQ_U64(off, m.end_off, "end position unchanged by the refused row");
            }
        }
        rc = bv_writer_seal(w, err, sizeof(err));
        T_EQ_INT(rc, BV_E_STATE, "bv_writer_seal inside a transaction: BV_E_STATE");
        T_OK(err[0] != 0, "seal refusal has a message (%s)", err);
        /* finish the transaction */
        do {
            ev = bv_synth_next(syn);
            rc = tu_append(w, &m, ev);
        } while (rc == BV_OK && ev->type != BV_EV_COMMIT);
        T_EQ_INT(rc, BV_OK, "transaction completed after the refusals");
    }
    tu_append_failures = 0;
    rc = tu_feed(w, &m, syn, 1250, 0);
    T_OK(rc == BV_OK && tu_append_failures == 0, "session 2: appended up to %zu events", m.n);
    check_end("session 2", w, &m);
    rc = bv_writer_seal(w, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "session 2: seal at a transaction boundary");
    rc = bv_writer_seal(w, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "session 2: seal with no open segment is a no-op");
    rc = bv_writer_close(w, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "session 2: close");

    /* session 3: everything sealed; a new segment gets the next number */
    size_t nseg2 = 0;
    char names[256][320];
    int nn = list_dir(dir, names, 256);
    for (int i = 0; i < nn; i++)
        if (strstr(names[i], ".bvseg"))
            nseg2++;
    T_OK(nn > 0 && !strstr(names[nn - 2], ".part"), "session 2 left no open segment");
    rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "session 3: writer reopens (%s)", rc ? err : "ok"))
        return;
    T_EQ_INT(bv_writer_recovery(w)->recovered, 0, "session 3: nothing to recover");
    check_end("session 3 start", w, &m);
    rc = tu_feed(w, &m, syn, 60, 0);
    T_EQ_INT(rc, BV_OK, "session 3: appended");
    rc = bv_writer_close(w, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "session 3: close");
    {
        char want[32];
        snprintf(want, sizeof(want), "%010zu-", nseg2);
        int found = 0;
        nn = list_dir(dir, names, 256);
        for (int i = 0; i < nn; i++)
            if (!strncmp(names[i], want, strlen(want)))
                found = 1;
        T_OK(found, "session 3: the new segment has sequence number %zu", nseg2);
    }

    /* GTID set and end position, concretely */
    {
        char want[512], got[4096];
        snprintf(want, sizeof(want), "%s:1-10,%s:1-%llu,%s:custom:5", START_UUID, TU_SYNTH_UUID,
                 (unsigned long long)bv_synth_txns(syn), CUSTOM_UUID);
        bv_gtid_set_format(m.gset, got, sizeof(got));
        T_EQ_STR(got, want, "our model's GTID set is the expected text");
    }
    T_EQ_U64(m.commits, bv_synth_txns(syn) + 1, "model: committed transactions");

    /* verify */
    bv_verify_stats st;
    rc = bv_archive_verify(dir, NULL, 0, NULL, &st, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "verify: the archive is clean");
    T_EQ_U64(st.problems, 0, "verify: no problems");
    T_EQ_U64(st.events, m.n, "verify: events counted");
    T_EQ_U64(st.segments, nseg2 + 1, "verify: segments counted");

    check_listing("archive", dir, &m, start_gtid, 1, 4);

    /* the reader does not need or take the lock: read while a writer holds it */
    rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    if (T_OK(rc == BV_OK, "writer reopens")) {
        check_read("read while a writer holds the lock", dir, NULL, &m);
        bv_writer_free(w);
    }
    snprintf(what, sizeof(what), "archive: read after the writer was dropped without closing");
    check_read(what, dir, NULL, &m);

    bv_synth_free(syn);
    bv_schema_free(sc);
    tu_model_free(&m);
}

/* Blocks that hold whole transactions (flush after each commit) let the
 * reader skip blocks by time and position: ranges must not change. */
static void test_skippable_blocks(void)
{
    const char *root = t_tmpdir();
    char dir[4096], err[1024];
    bv_writer *w = NULL;
    bv_writer_opts o;
    bv_synth_opts so;
    tu_model m;
    tu_pathf(dir, sizeof(dir), "%s/flushed", root);
    tu_model_init(&m, TU_FILE1, 4, "");
    bv_synth_opts_init(&so);
    so.seed = 11;
    so.rotate_every = 6000;
    so.ddl_every = 25;
    bv_synth *syn = bv_synth_new(&so);
    tu_wopts(&o, 1 << 20, 24576, "", BV_GTID_MYSQL);
    int rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "flushed archive: writer opens (%s)", rc ? err : "ok"))
        return;
    tu_append_failures = 0;
    rc = tu_feed(w, &m, syn, 300, 1);
    T_OK(rc == BV_OK, "flushed archive: 300 transactions, a block each");
    rc = bv_writer_close(w, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "flushed archive: close");
    T_EQ_INT(bv_archive_verify(dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK, "flushed archive verifies clean");
    check_listing("flushed", dir, &m, "", 1, 9);
    /* --to early in the stream with --since late: nothing (the blocks skipped by
     * time hold the --to file) */
    for (size_t k = 1; k <= 5; k++) {
        rcase c;
        char what[256];
        const tu_evmeta *e1 = &m.ev[m.n * k / 10], *e2 = &m.ev[m.n * 4 / 5];
        memset(&c, 0, sizeof(c));
        set_to(&c, e1->file, e1->off);
        c.r.has_since = 1;
        c.r.since_us = e2->ts;
        snprintf(what, sizeof(what), "flushed: --to %s:%llu --since %llu (a later time): nothing", e1->file,
                 (unsigned long long)e1->off, (unsigned long long)e2->ts);
        check_read(what, dir, &c.r, &m);
        if (k != 1)
            continue;
        memset(&c, 0, sizeof(c));
        set_from(&c, e2->file, e2->off);
        set_to(&c, e1->file, e1->off);
        snprintf(what, sizeof(what), "flushed: --from %s:%llu --to %s:%llu (--to before --from): nothing", e2->file,
                 (unsigned long long)e2->off, e1->file, (unsigned long long)e1->off);
        check_read(what, dir, &c.r, &m);
    }
    bv_synth_free(syn);
    tu_model_free(&m);
}

static void test_mariadb(void)
{
    const char *root = t_tmpdir();
    char dir[4096], err[1024], g[256];
    bv_writer *w = NULL;
    bv_writer_opts o;
    bv_synth_opts so;
    tu_model m;
    tu_pathf(dir, sizeof(dir), "%s/maria", root);
    tu_model_init(&m, TU_FILE1, 4, "0-1-7");
    bv_synth_opts_init(&so);
    so.gtid_flavor = BV_GTID_MARIADB;
    so.seed = 3;
    bv_synth *syn = bv_synth_new(&so);
    tu_wopts(&o, 2048, 16384, "0-1-7", BV_GTID_MARIADB);
    int rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "mariadb archive: writer opens (%s)", rc ? err : "ok"))
        return;
    rc = tu_feed(w, &m, syn, 150, 0);
    T_EQ_INT(rc, BV_OK, "mariadb archive: 150 transactions");
    bv_gtid_set_format(bv_writer_gtid_set(w), g, sizeof(g));
    T_EQ_STR(g, "0-1-150", "mariadb archive: GTID set is the domain's last GTID");
    check_end("mariadb", w, &m);
    rc = bv_writer_close(w, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "mariadb archive: close");
    check_read("mariadb archive: read back", dir, NULL, &m);
    T_EQ_INT(bv_archive_verify(dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK, "mariadb archive verifies clean");
    bv_synth_free(syn);
    tu_model_free(&m);
}

/* ------------------------------------------------------------ directory rules */

typedef struct vprob {
    int n;
    char files[8][320];
    char msgs[8][1024];
} vprob;

static void on_problem(void *ctx, const char *file, uint64_t off, int code, const char *msg)
{
    vprob *p = ctx;
    (void)off;
    if (code == BV_OK)
        return;
    if (p->n < 8) {
        snprintf(p->files[p->n], sizeof(p->files[0]), "%s", file);
        snprintf(p->msgs[p->n], sizeof(p->msgs[0]), "%s", msg);
    }
    p->n++;
}

static int problems_mention(const vprob *p, const char *needle)
{
    for (int i = 0; i < p->n && i < 8; i++)
        if (strstr(p->files[i], needle) || strstr(p->msgs[i], needle))
            return 1;
    return 0;
}

/* Every entry point refuses the directory with BV_E_CORRUPT naming `name`. */
static void expect_bad_dir(const char *label, const char *dir, const char *name)
{
    char err[1024] = "";
    bv_reader *r = NULL;
    bv_archive *a = NULL;
    bv_writer *w = NULL;
    bv_writer_opts o;
    vprob p;
    char before[4096], after[4096];
    dir_fingerprint(dir, before, sizeof(before));
    int rc = bv_reader_open(&r, dir, NULL, err, sizeof(err));
    T_EQ_INT(rc, BV_E_CORRUPT, label);
    T_OK(tu_has(err, name), "%s: reader message names %s (%s)", label, name, err);
    bv_reader_free(r);
    err[0] = 0;
    rc = bv_archive_open(&a, dir, err, sizeof(err));
    T_EQ_INT(rc, BV_E_CORRUPT, label);
    T_OK(tu_has(err, name), "%s: listing message names %s (%s)", label, name, err);
    bv_archive_free(a);
    err[0] = 0;
    tu_wopts(&o, 4096, 65536, "", BV_GTID_MYSQL);
    rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    T_EQ_INT(rc, BV_E_CORRUPT, label);
    T_OK(tu_has(err, name), "%s: writer message names %s (%s)", label, name, err);
    bv_writer_free(w);
    memset(&p, 0, sizeof(p));
    bv_verify_cb cb = {on_problem, NULL, &p};
    bv_verify_stats st;
    rc = bv_archive_verify(dir, NULL, 0, &cb, &st, err, sizeof(err));
    T_EQ_INT(rc, BV_E_CORRUPT, label);
    T_OK(p.n >= 1 && problems_mention(&p, name), "%s: verify reports a problem naming %s (%s)", label, name,
         p.n ? p.msgs[0] : "none");
    dir_fingerprint(dir, after, sizeof(after));
    T_OK(strcmp(before, after) == 0, "%s: nothing modified", label);
}

static void make_small_archive(const char *dir, uint64_t txns, int close_it)
{
    bv_writer *w = NULL;
    bv_writer_opts o;
    bv_synth_opts so;
    tu_model m;
    char err[1024];
    tu_model_init(&m, TU_FILE1, 4, "");
    bv_synth_opts_init(&so);
    so.seed = 5;
    so.rotate_every = 20000;
    bv_synth *syn = bv_synth_new(&so);
    tu_wopts(&o, 1024, 6000, "", BV_GTID_MYSQL);
    if (bv_writer_open(&w, dir, &o, err, sizeof(err)) != BV_OK || tu_feed(w, &m, syn, txns, 0) != BV_OK) {
        t_note("make_small_archive: %s", err);
        abort();
    }
    if (close_it)
        bv_writer_close(w, NULL, 0);
    else
        bv_writer_free(w);
    bv_synth_free(syn);
    tu_model_free(&m);
}

static void test_dir_rules(void)
{
    const char *root = t_tmpdir();
    char tmpl[4096], d[4096], p1[4096], p2[4096], err[1024];
    char names[64][320];
    int rc, n;
    tu_pathf(tmpl, sizeof(tmpl), "%s/template", root);
    make_small_archive(tmpl, 120, 1);
    n = list_dir(tmpl, names, 64);
    int nseg = 0;
    for (int i = 0; i < n; i++)
        nseg += strstr(names[i], ".bvseg") != NULL;
    T_OK(nseg >= 4, "template archive has %d segments", nseg);
    T_EQ_INT(bv_archive_verify(tmpl, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK, "template verifies clean");
    /* names[] sorts the segments first, in archive order, then LOCK */

    /* missing directory */
    {
        bv_reader *r = NULL;
        bv_archive *a = NULL;
        bv_writer *w = NULL;
        bv_writer_opts o;
        tu_pathf(d, sizeof(d), "%s/missing", root);
        err[0] = 0;
        rc = bv_reader_open(&r, d, NULL, err, sizeof(err));
        T_EQ_INT(rc, BV_E_NOTFOUND, "reader on a missing directory: BV_E_NOTFOUND");
        T_OK(tu_has(err, d), "message names the directory (%s)", err);
        T_OK(r == NULL, "no reader returned");
        rc = bv_archive_open(&a, d, err, sizeof(err));
        T_EQ_INT(rc, BV_E_NOTFOUND, "listing a missing directory: BV_E_NOTFOUND");
        rc = bv_archive_verify(d, NULL, 0, NULL, NULL, err, sizeof(err));
        T_EQ_INT(rc, BV_E_NOTFOUND, "verify of a missing directory: BV_E_NOTFOUND");
        tu_pathf(d, sizeof(d), "%s/missing/sub", root);
        tu_wopts(&o, 4096, 65536, "", BV_GTID_MYSQL);
        rc = bv_writer_open(&w, d, &o, err, sizeof(err));
        T_EQ_INT(rc, BV_E_NOTFOUND, "writer under a missing parent: BV_E_NOTFOUND");
        T_OK(w == NULL, "no writer returned");
    }

    /* empty directory */
    {
        bv_reader *r = NULL;
        bv_archive *a = NULL;
        bv_writer *w = NULL;
        bv_writer_opts o;
        bv_verify_stats st;
        const bv_event *ev;
        tu_pathf(d, sizeof(d), "%s/empty", root);
        mkdir(d, 0750);
        rc = bv_reader_open(&r, d, NULL, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "reader on an empty directory opens");
        if (r) {
            rc = bv_reader_next(r, &ev, err, sizeof(err));
            T_EQ_INT(rc, 0, "empty directory: 0 events");
            bv_reader_free(r);
        }
        rc = bv_archive_open(&a, d, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "listing an empty directory");
        if (a) {
            T_EQ_U64(bv_archive_count(a), 0, "empty directory: 0 segments");
            bv_archive_free(a);
        }
        rc = bv_archive_verify(d, NULL, 0, NULL, &st, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "verify of an empty directory is clean");
        T_EQ_U64(st.segments, 0, "verify: 0 segments");
        tu_wopts(&o, 4096, 65536, "", BV_GTID_MYSQL);
        o.start_file = tu_str("");
        err[0] = 0;
        rc = bv_writer_open(&w, d, &o, err, sizeof(err));
        T_EQ_INT(rc, BV_E_INVAL, "writer on an empty archive without a start position: BV_E_INVAL");
        T_OK(tu_has(err, d), "message names the directory (%s)", err);
        T_OK(w == NULL, "no writer returned");
        n = list_dir(d, names, 64);
        T_OK(n == 0 || (n == 1 && !strcmp(names[0], "LOCK")), "no segment created");
    }

    /* a foreign file */
    n = list_dir(tmpl, names, 64);
    tu_pathf(d, sizeof(d), "%s/foreign", root);
    copy_dir(tmpl, d);
    tu_pathf(p1, sizeof(p1), "%s/notes.txt", d);
    {
        int fd = open(p1, O_WRONLY | O_CREAT, 0640);
        if (fd >= 0) {
            if (write(fd, "hello\n", 6) != 6)
                t_note("short write");
            close(fd);
        }
    }
    expect_bad_dir("a foreign file in the directory", d, "notes.txt");
    /* even a segment-like name that does not parse */
    tu_pathf(d, sizeof(d), "%s/foreign2", root);
    copy_dir(tmpl, d);
    tu_pathf(p1, sizeof(p1), "%s/%s", d, names[1]);
    tu_pathf(p2, sizeof(p2), "%s/x%s", d, names[1]);
    if (tu_copy_file(p1, p2) == 0) {
        char nm[340];
        snprintf(nm, sizeof(nm), "x%s", names[1]);
        expect_bad_dir("a file named like a copy of a segment", d, nm);
    }

    /* a gap in sequence numbers: remove the second segment */
    tu_pathf(d, sizeof(d), "%s/gap", root);
    copy_dir(tmpl, d);
    tu_pathf(p1, sizeof(p1), "%s/%s", d, names[1]);
    unlink(p1);
    expect_bad_dir("a gap in sequence numbers", d, names[2]);

    /* an open segment that is not the newest: rename the second to .part */
    tu_pathf(d, sizeof(d), "%s/oldpart", root);
    copy_dir(tmpl, d);
    tu_pathf(p1, sizeof(p1), "%s/%s", d, names[1]);
    tu_pathf(p2, sizeof(p2), "%s/%s.part", d, names[1]);
    if (rename(p1, p2) == 0) {
        char nm[340];
        snprintf(nm, sizeof(nm), "%s.part", names[1]);
        expect_bad_dir("a .part that is not the newest segment", d, nm);
    }

    /* a leftover temporary file is allowed for readers and removed by the writer */
    {
        bv_writer *w = NULL;
        bv_writer_opts o;
        char tmpname[400];
        tu_pathf(d, sizeof(d), "%s/tmpfile", root);
        copy_dir(tmpl, d);
        /* the next segment's name + .part.tmp */
        uint64_t seq = (uint64_t)(n - 1);
        snprintf(tmpname, sizeof(tmpname), "%010llu-mysql-bin.000009-000000000004.bvseg.part.tmp",
                 (unsigned long long)seq);
        tu_pathf(p1, sizeof(p1), "%s/%s", d, tmpname);
        int fd = open(p1, O_WRONLY | O_CREAT, 0640);
        if (fd >= 0)
            close(fd);
        rc = bv_archive_verify(d, NULL, 0, NULL, NULL, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "verify accepts a leftover .tmp file");
        tu_wopts(&o, 4096, 65536, "", BV_GTID_MYSQL);
        rc = bv_writer_open(&w, d, &o, err, sizeof(err));
        T_EQ_INT(rc, BV_OK, "writer opens with a leftover .tmp file");
        if (w) {
            T_EQ_INT(bv_writer_recovery(w)->removed_tmp, 1, "the .tmp file is counted");
            bv_writer_free(w);
        }
        T_OK(tu_file_size(p1) < 0, "the .tmp file is removed");
    }
}

/* ------------------------------------------------------------ read-only directory */

typedef struct ro_result {
    int rc_open, rc_append;
    char msg_open[1024], msg_append[1024];
    char fp_after[4096];
} ro_result;

static void ro_attempt(const char *dir, ro_result *res)
{
    bv_writer *w = NULL;
    bv_writer_opts o;
    bv_event e;
    memset(res, 0, sizeof(*res));
    tu_wopts(&o, 4096, 65536, "", BV_GTID_MYSQL);
    res->rc_open = bv_writer_open(&w, dir, &o, res->msg_open, sizeof(res->msg_open));
    res->rc_append = 1;
    if (res->rc_open == BV_OK) {
        bv_str f;
        uint64_t off;
        bv_writer_end(w, &f, &off);
        memset(&e, 0, sizeof(e));
        e.type = BV_EV_BEGIN;
        e.pos.file = f;
        e.pos.offset = off;
        e.ts_us = 1;
        res->rc_append = bv_writer_append(w, &e, res->msg_append, sizeof(res->msg_append));
        bv_writer_free(w);
    }
    dir_fingerprint(dir, res->fp_after, sizeof(res->fp_after));
}

/* Run ro_attempt as an unprivileged user (root ignores directory modes). */
static int ro_attempt_as_nobody(const char *dir, ro_result *res)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        ro_result r;
        close(pfd[0]);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        ro_attempt(dir, &r);
        if (write(pfd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
            _exit(4);
        _exit(0);
    }
    close(pfd[1]);
    ssize_t got = 0, k;
    while (got < (ssize_t)sizeof(*res) && (k = read(pfd[0], (char *)res + got, sizeof(*res) - (size_t)got)) > 0)
        got += k;
    close(pfd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != (ssize_t)sizeof(*res)) {
        t_note("unprivileged child failed (status %d)", st);
        return -1;
    }
    return 0;
}

static void test_readonly_dir(void)
{
    const char *root = t_tmpdir();
    char d[4096], lock[4096], err[1024], before[4096];
    ro_result res;
    tu_pathf(d, sizeof(d), "%s/ro", root);
    make_small_archive(d, 40, 1); /* all sealed? not necessarily: seal below */
    {
        bv_writer *w = NULL;
        bv_writer_opts o;
        tu_wopts(&o, 1024, 6000, "", BV_GTID_MYSQL);
        if (bv_writer_open(&w, d, &o, err, sizeof(err)) == BV_OK) {
            bv_writer_seal(w, NULL, 0);
            bv_writer_close(w, NULL, 0);
        }
    }
    dir_fingerprint(d, before, sizeof(before));
    {
        char nm[64][320], p[4096];
        int k = list_dir(d, nm, 64);
        for (int i = 0; i < k; i++) {
            tu_pathf(p, sizeof(p), "%s/%s", d, nm[i]);
            chmod(p, 0644);
        }
    }
    chmod(root, 0755);
    chmod(d, 0555);
    tu_pathf(lock, sizeof(lock), "%s/LOCK", d);
    /* does the mode apply to us? */
    char probe[4096];
    tu_pathf(probe, sizeof(probe), "%s/probe", d);
    int fd = open(probe, O_WRONLY | O_CREAT, 0640);
    int privileged = fd >= 0;
    if (fd >= 0) {
        close(fd);
        unlink(probe);
    }
    int (*attempt)(const char *, ro_result *) = NULL;
    if (privileged) {
        t_note("running as uid %d: directory modes do not apply (CAP_DAC_OVERRIDE); the read-only checks "
               "run in a child process as uid/gid 65534",
               (int)geteuid());
        attempt = ro_attempt_as_nobody;
    }
    /* 1. LOCK not writable: open fails */
    chmod(lock, 0644);
    if (attempt) {
        if (attempt(d, &res) != 0) {
            t_note("cannot drop privileges here: read-only directory not tested");
            chmod(d, 0755);
            return;
        }
    } else {
        ro_attempt(d, &res);
    }
    T_EQ_INT(res.rc_open, BV_E_IO, "read-only directory, read-only LOCK: bv_writer_open fails with BV_E_IO");
    T_OK(tu_has(res.msg_open, d), "the message names the path (%s)", res.msg_open);
    T_EQ_STR(res.fp_after, before, "read-only directory: nothing changed");
    /* 2. LOCK writable but the directory is not: the first new segment fails */
    chmod(lock, 0666);
    if (attempt)
        attempt(d, &res);
    else
        ro_attempt(d, &res);
    T_EQ_INT(res.rc_open, BV_OK, "read-only directory, writable LOCK: bv_writer_open succeeds");
    T_EQ_INT(res.rc_append, BV_E_IO, "read-only directory: the append that needs a new segment fails with BV_E_IO");
    T_OK(tu_has(res.msg_append, d) && tu_has(res.msg_append, ".bvseg"), "the message names the file (%s)",
         res.msg_append);
    T_EQ_STR(res.fp_after, before, "read-only directory: nothing created");
    chmod(d, 0755);
    chmod(lock, 0640);
    T_EQ_INT(bv_archive_verify(d, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK,
             "read-only directory: the archive still verifies clean");
}

/* ------------------------------------------------------------ full disk */

static void nospc_once(const char *root, unsigned kib, uint64_t seed, unsigned threads);

static void test_nospc(void)
{
    const char *root = t_tmpdir();
    if (unshare(CLONE_NEWNS) != 0) {
        t_note("ENOSPC not tested: unshare(CLONE_NEWNS) failed: %s (needs CAP_SYS_ADMIN)", strerror(errno));
        return;
    }
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        t_note("ENOSPC not tested: cannot make mounts private: %s", strerror(errno));
        return;
    }
    /* different sizes fill the disk at different points of the writer:
     * a block, a footer while sealing, a new segment's header */
    static const struct {
        unsigned kib;
        uint64_t seed;
    } cases[] = {
        {68, 10},  /* fails writing a new segment's header (.part.tmp) */
        {136, 27}, /* the same, later */
        {96, 17},  /* fails writing a block */
        {256, 57}, /* the same, in a later segment */
        {204, 44}, /* fails writing the footer while sealing after a COMMIT */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        nospc_once(root, cases[i].kib, cases[i].seed, 0);
    /* the background compression thread hits the full disk instead: the
     * error reaches the caller at a later append, and nothing is lost */
    nospc_once(root, 97, 17, 1);
    nospc_once(root, 257, 57, 1);
}

static void nospc_once(const char *root, unsigned kib, uint64_t seed, unsigned threads)
{
    char mp[4096], dir[4096], err[1024] = "", opts[64];
    tu_pathf(mp, sizeof(mp), "%s/small%u", root, kib);
    mkdir(mp, 0755);
    snprintf(opts, sizeof(opts), "size=%uk", kib);
    if (mount("bvtest", mp, "tmpfs", 0, opts) != 0) {
        t_note("ENOSPC not tested: cannot mount a tmpfs: %s", strerror(errno));
        return;
    }
    t_note("ENOSPC: writing into a %u KiB tmpfs in a private mount namespace", kib);
    tu_pathf(dir, sizeof(dir), "%s/a", mp);
    bv_writer *w = NULL;
    bv_writer_opts o;
    bv_synth_opts so;
    tu_model m;
    tu_model_init(&m, TU_FILE1, 4, "");
    bv_synth_opts_init(&so);
    so.seed = seed;
    so.ddl_every = 100;
    so.rotate_every = 400000;
    bv_synth *syn = bv_synth_new(&so);
    tu_wopts(&o, 4096, 65536, "", BV_GTID_MYSQL);
    o.compress_threads = threads;
    if (threads)
        t_note("nospc: with the background compression thread");
    int rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "nospc: writer opens (%s)", rc ? err : "ok"))
        goto out;
    uint64_t appended = 0;
    int failed_type = 0;
    for (int i = 0; i < 400000; i++) {
        const bv_event *ev = bv_synth_next(syn);
        rc = bv_writer_append(w, ev, err, sizeof(err));
        if (rc != BV_OK) {
            failed_type = ev->type;
            break;
        }
        appended++;
    }
    T_EQ_INT(rc, BV_E_NOSPC, "nospc: the writer returns BV_E_NOSPC when the disk is full");
    t_note("nospc: failed after %llu events: %s", (unsigned long long)appended, err);
    T_OK(tu_has(err, dir) && tu_has(err, ".bvseg"), "nospc: the message names the file (%s)", err);
    T_OK(tu_has(err, "No space"), "nospc: the message says why (%s)", err);
    {
        bv_event e;
        char e2[1024] = "";
        memset(&e, 0, sizeof(e));
        e.type = BV_EV_NOTE;
        e.pos.file = tu_str(TU_FILE1);
        e.pos.offset = 1u << 30;
        e.text = tu_str("x");
        rc = bv_writer_append(w, &e, e2, sizeof(e2));
        T_EQ_INT(rc, BV_E_STATE, "nospc: later appends are refused until the archive is reopened");
    }
    bv_writer_free(w);
    w = NULL;
    /* give it space again and reopen: recovery, then a clean archive */
    if (mount(NULL, mp, NULL, MS_REMOUNT, "size=8m") != 0) {
        t_note("cannot grow the tmpfs: %s", strerror(errno));
        goto out;
    }
    rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
    if (!T_OK(rc == BV_OK, "nospc: writer reopens with space (%s)", rc ? err : "ok"))
        goto out;
    const bv_recovery *rec = bv_writer_recovery(w);
    t_note("nospc: appended %llu events before the failure; recovery kept %llu bytes in %u blocks, cut %llu bytes, "
           "%llu events%s",
           (unsigned long long)appended, (unsigned long long)rec->valid_bytes, rec->blocks_kept,
           (unsigned long long)rec->bytes_cut, (unsigned long long)rec->events_cut,
           rec->removed_empty ? ", removed the empty segment" : "");
    rc = bv_writer_close(w, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "nospc: close after recovery");
    bv_verify_stats st;
    rc = bv_archive_verify(dir, NULL, 0, NULL, &st, err, sizeof(err));
    T_EQ_INT(rc, BV_OK, "nospc: the archive verifies clean after reopening with space");
    /* what it holds: a prefix of what was appended, ending at a transaction boundary */
    {
        bv_synth *s2 = bv_synth_new(&so);
        bv_reader *r = NULL;
        const bv_event *ev;
        tu_sb b1 = {0};
        uint64_t n = 0;
        int same = 1, last_type = 0;
        rc = bv_reader_open(&r, dir, NULL, err, sizeof(err));
        while (rc == BV_OK && (rc = bv_reader_next(r, &ev, err, sizeof(err))) == 1 && (rc = BV_OK) == BV_OK) {
            tu_sb_reset(&b1);
            tu_render_event(&b1, ev);
            last_type = ev->type;
            const bv_event *x = bv_synth_next(s2);
            tu_model_add(&m, x);
            if (same && strcmp(b1.p, m.ev[m.n - 1].render) != 0) {
                same = 0;
                t_note("event %llu: %.200s", (unsigned long long)n, b1.p);
            }
            n++;
        }
        bv_reader_free(r);
        T_EQ_INT(rc, 0, "nospc: the archive reads to its end");
        T_OK(same, "nospc: the archive holds exactly what was appended, in order (%llu events)", (unsigned long long)n);
        /* A failure while sealing after a COMMIT leaves that COMMIT on disk
         * (its block was written before the footer failed): the archive may
         * hold the event whose append failed, never more. */
        T_OK(n > 0 && (n <= appended || (n == appended + 1 && failed_type == BV_EV_COMMIT)),
             "nospc: %llu events kept of %llu appended (+1 failed %s)", (unsigned long long)n,
             (unsigned long long)appended, bv_event_type_name(failed_type));
        if (n == appended + 1)
            t_note("nospc: the COMMIT whose append failed with BV_E_NOSPC is in the archive after recovery");
        T_OK(last_type == BV_EV_COMMIT || last_type == BV_EV_ROTATE, "nospc: it ends at a transaction boundary");
        /* continue the stream from there */
        rc = bv_writer_open(&w, dir, &o, err, sizeof(err));
        if (T_OK(rc == BV_OK, "nospc: writer reopens to continue")) {
            check_end("nospc: end after recovery", w, &m);
            tu_append_failures = 0;
            rc = tu_feed(w, &m, s2, 50, 0);
            T_EQ_INT(rc, BV_OK, "nospc: 50 more transactions appended");
            rc = bv_writer_close(w, err, sizeof(err));
            T_EQ_INT(rc, BV_OK, "nospc: close");
            T_EQ_INT(bv_archive_verify(dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK, "nospc: still clean");
            check_read("nospc: read back after continuing", dir, NULL, &m);
        }
        free(b1.p);
        bv_synth_free(s2);
    }
out:
    bv_synth_free(syn);
    tu_model_free(&m);
    if (umount2(mp, MNT_DETACH) != 0)
        t_note("umount %s: %s", mp, strerror(errno));
}

/* Bytes of file that differ from the other file, and whether all of them lie
 * in the segment header (before the first block or footer). */
static int seg_same_but_header(const char *a, const char *b, size_t *ndiff)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    size_t off = 0, hdr = 0;
    uint8_t pa[4096], pb[4096];
    *ndiff = 0;
    while (same) {
        size_t na = fread(pa, 1, sizeof(pa), fa), nb = fread(pb, 1, sizeof(pb), fb);
        if (na != nb) {
            same = 0;
            break;
        }
        if (!na)
            break;
        if (off == 0 && na >= 16) /* magic 8, version 2, flags 2, body_len 4, body, checksum 8 */
            hdr = 16 + ((size_t)pa[12] | (size_t)pa[13] << 8 | (size_t)pa[14] << 16 | (size_t)pa[15] << 24) + 8;
        for (size_t i = 0; i < na; i++)
            if (pa[i] != pb[i]) {
                (*ndiff)++;
                if (off + i >= hdr)
                    same = 0;
            }
        off += na;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* compress_threads = 1 writes the same archive as 0, only faster: the same
 * segment files (the header differs only in created_us and its checksum),
 * across block flushes, seals by size, DDL, rotations, explicit flushes and
 * a reopen with recovery of a torn tail. */
static void test_compress_thread(void)
{
    const char *root = t_tmpdir();
    char dir[2][4096], err[1024] = "";
    for (unsigned t = 0; t < 2; t++) {
        tu_pathf(dir[t], sizeof(dir[t]), "%s/threads%u", root, t);
        bv_writer *w = NULL;
        bv_writer_opts o;
        bv_synth_opts so;
        tu_model m;
        tu_model_init(&m, TU_FILE1, 4, "");
        bv_synth_opts_init(&so);
        so.seed = 99;
        so.ddl_every = 40;
        so.rotate_every = 3000;
        bv_synth *syn = bv_synth_new(&so);
        tu_wopts(&o, 2048, 40000, "", BV_GTID_MYSQL);
        o.compress_threads = t;
        int rc = bv_writer_open(&w, dir[t], &o, err, sizeof(err));
        if (!T_OK(rc == BV_OK, "threads=%u: writer opens (%s)", t, rc ? err : "ok"))
            goto next;
        rc = tu_feed(w, &m, syn, 300, 0);
        T_OK(rc == BV_OK, "threads=%u: 300 transactions appended", t);
        T_OK(bv_writer_flush(w, err, sizeof(err)) == BV_OK, "threads=%u: flush", t);
        rc = tu_feed(w, &m, syn, 7, 1);
        T_OK(rc == BV_OK, "threads=%u: 7 transactions, flushed each", t);
        /* leave a transaction open in the pending blocks and stop without
         * flushing: the next open cuts it */
        for (int i = 0; i < 5; i++) {
            const bv_event *ev = bv_synth_next(syn);
            if (ev->type == BV_EV_COMMIT)
                break;
            tu_append(w, &m, ev);
        }
        bv_writer_free(w);
        w = NULL;
        rc = bv_writer_open(&w, dir[t], &o, err, sizeof(err));
        if (T_OK(rc == BV_OK, "threads=%u: reopens (%s)", t, rc ? err : "ok")) {
            T_OK(bv_writer_close(w, err, sizeof(err)) == BV_OK, "threads=%u: close", t);
        }
        T_OK(bv_archive_verify(dir[t], NULL, 0, NULL, NULL, err, sizeof(err)) == BV_OK,
             "threads=%u: the archive verifies clean", t);
    next:
        bv_synth_free(syn);
        tu_model_free(&m);
    }
    char n0[64][320], n1[64][320];
    int k0 = list_dir(dir[0], n0, 64), k1 = list_dir(dir[1], n1, 64);
    T_OK(k0 > 3 && k0 == k1, "the same number of segment files (%d and %d)", k0, k1);
    int same = k0 == k1;
    for (int i = 0; same && i < k0; i++) {
        char a[4096], b[4096];
        size_t nd = 0;
        if (strcmp(n0[i], n1[i]) != 0) {
            same = 0;
            t_note("file %d: %s vs %s", i, n0[i], n1[i]);
            break;
        }
        tu_pathf(a, sizeof(a), "%s/%s", dir[0], n0[i]);
        tu_pathf(b, sizeof(b), "%s/%s", dir[1], n1[i]);
        if (strstr(n0[i], ".bvseg") && !seg_same_but_header(a, b, &nd)) {
            same = 0;
            t_note("%s: differs outside the header (%zu bytes differ)", n0[i], nd);
        }
    }
    T_OK(same, "compress_threads=1 writes the same segments as 0 (headers aside)");
    bv_writer_opts o;
    bv_writer *w = NULL;
    tu_wopts(&o, 2048, 40000, "", BV_GTID_MYSQL);
    o.compress_threads = 2;
    T_EQ_INT(bv_writer_open(&w, dir[0], &o, err, sizeof(err)), BV_E_INVAL, "compress_threads=2 is refused");
    T_OK(tu_has(err, "compress_threads"), "the message names the option (%s)", err);
    static const int bad_levels[] = {-1, 20};
    for (int i = 0; i < 2; i++) {
        tu_wopts(&o, 2048, 40000, "", BV_GTID_MYSQL);
        o.zstd_level = bad_levels[i];
        T_EQ_INT(bv_writer_open(&w, dir[0], &o, err, sizeof(err)), BV_E_INVAL, "zstd_level out of 0..19 is refused");
        T_OK(tu_has(err, "zstd level 0..19"), "the message gives the range (%s)", err);
    }
    bv_writer_opts_init(&o);
    T_EQ_INT(o.zstd_level, 0, "the default zstd_level is 0 (level 1 with 5-byte matches)");
}

#define TIMED(fn)                                                                                                  \
    do {                                                                                                           \
        double t_ = tu_now_s();                                                                                       \
        fn();                                                                                                      \
        t_note(#fn " took %.2f s", tu_now_s() - t_);                                                                 \
    } while (0)

int main(void)
{
    TIMED(test_write_read);
    TIMED(test_skippable_blocks);
    TIMED(test_mariadb);
    TIMED(test_dir_rules);
    TIMED(test_readonly_dir);
    TIMED(test_nospc);
    TIMED(test_compress_thread);
    return t_done();
}
