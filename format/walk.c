/* The event stream rules and the running archive end state. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int bv_walk_init(bv_walk *w, bv_str file, uint64_t offset, bv_str gtid_text, char *err, size_t errlen)
{
    memset(w, 0, sizeof(*w));
    if (file.len == 0 || file.len > BV_MAX_NAME || memchr(file.ptr, 0, file.len))
        return bv_seterr(err, errlen, BV_E_INVAL, "binlog file name must be 1..%d bytes without NUL",
                         BV_MAX_NAME);
    w->gtid = bv_gtid_set_new();
    if (!w->gtid)
        return bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
    int rc = bv_gtid_set_parse(w->gtid, gtid_text.ptr ? gtid_text.ptr : "", gtid_text.len, err, errlen);
    if (rc != BV_OK) {
        bv_walk_release(w);
        return rc;
    }
    memcpy(w->file, file.ptr, file.len);
    w->file[file.len] = 0;
    w->file_len = file.len;
    w->end_offset = offset;
    w->last_offset = offset;
    return BV_OK;
}

void bv_walk_release(bv_walk *w)
{
    bv_gtid_set_free(w->gtid);
    w->gtid = NULL;
}

int bv_walk_copy(bv_walk *dst, const bv_walk *src)
{
    bv_gtid_set *g = dst->gtid;
    if (!g && !(g = bv_gtid_set_new()))
        return BV_E_NOMEM;
    if (bv_gtid_set_copy(g, src->gtid) != BV_OK) {
        if (g != dst->gtid)
            bv_gtid_set_free(g);
        return BV_E_NOMEM;
    }
    *dst = *src;
    dst->gtid = g;
    return BV_OK;
}

void bv_walk_reset_counts(bv_walk *w)
{
    w->events = 0;
    memset(w->counts, 0, sizeof(w->counts));
    w->min_ts = w->max_ts = 0;
}

int bv_walk_check(const bv_walk *w, const bv_event *ev, char *err, size_t errlen)
{
    const char *name = bv_event_type_name(ev->type);
    if (ev->type < 1 || ev->type > BV_EV_TYPE_MAX)
        return bv_seterr(err, errlen, BV_E_INVAL, "unknown event type %u", ev->type);
    if (ev->pos.file.len != w->file_len || memcmp(ev->pos.file.ptr, w->file, w->file_len) != 0)
        return bv_seterr(err, errlen, BV_E_STATE, "%s event at %.*s:%llu, but the stream is in %s (a rotate must come first)",
                         name, (int)(ev->pos.file.len > 255 ? 255 : ev->pos.file.len),
                         ev->pos.file.ptr ? ev->pos.file.ptr : "", (unsigned long long)ev->pos.offset, w->file);
    if (ev->pos.offset < w->last_offset)
        return bv_seterr(err, errlen, BV_E_STATE, "%s event at %s:%llu goes back before offset %llu", name,
                         w->file, (unsigned long long)ev->pos.offset, (unsigned long long)w->last_offset);
    switch (ev->type) {
    case BV_EV_BEGIN:
        if (w->in_txn)
            return bv_seterr(err, errlen, BV_E_STATE, "begin at %s:%llu inside an open transaction", w->file,
                             (unsigned long long)ev->pos.offset);
        if (!bv_gtid_valid(&ev->gtid))
            return bv_seterr(err, errlen, BV_E_INVAL, "begin at %s:%llu: invalid GTID (MySQL number 0 or bad tag)",
                             w->file, (unsigned long long)ev->pos.offset);
        if (ev->gtid.flavor > BV_GTID_MARIADB ||
            (ev->gtid.flavor != BV_GTID_NONE && !bv_gtid_set_is_empty(w->gtid) &&
             bv_gtid_set_flavor(w->gtid) != ev->gtid.flavor))
            return bv_seterr(err, errlen, BV_E_STATE, "begin at %s:%llu: GTID flavor differs from the stream's",
                             w->file, (unsigned long long)ev->pos.offset);
        break;
    case BV_EV_INSERT:
    case BV_EV_UPDATE:
    case BV_EV_DELETE:
    case BV_EV_DDL:
        if (!w->in_txn)
            return bv_seterr(err, errlen, BV_E_STATE, "%s at %s:%llu outside a transaction", name, w->file,
                             (unsigned long long)ev->pos.offset);
        break;
    case BV_EV_COMMIT:
        if (!w->in_txn)
            return bv_seterr(err, errlen, BV_E_STATE, "commit at %s:%llu without a begin", w->file,
                             (unsigned long long)ev->pos.offset);
        if (ev->end_offset < ev->pos.offset || ev->commit_kind > BV_COMMIT_IMPLICIT)
            return bv_seterr(err, errlen, BV_E_STATE, "commit at %s:%llu: bad end offset or kind", w->file,
                             (unsigned long long)ev->pos.offset);
        break;
    case BV_EV_ROTATE:
        if (w->in_txn)
            return bv_seterr(err, errlen, BV_E_STATE, "rotate at %s:%llu inside a transaction", w->file,
                             (unsigned long long)ev->pos.offset);
        if (ev->new_file.len == 0 || ev->new_file.len > BV_MAX_NAME || memchr(ev->new_file.ptr, 0, ev->new_file.len))
            return bv_seterr(err, errlen, BV_E_INVAL, "rotate at %s:%llu: bad new file name", w->file,
                             (unsigned long long)ev->pos.offset);
        break;
    default:
        break;
    }
    return BV_OK;
}

int bv_walk_apply(bv_walk *w, const bv_event *ev, char *err, size_t errlen)
{
    if (ev->type == BV_EV_COMMIT && w->txn_gtid.flavor != BV_GTID_NONE) {
        int rc = bv_gtid_set_add(w->gtid, &w->txn_gtid, err, errlen);
        if (rc != BV_OK)
            return rc;
    }
    w->last_offset = ev->pos.offset;
    switch (ev->type) {
    case BV_EV_BEGIN:
        w->in_txn = 1;
        w->txn_gtid = ev->gtid;
        break;
    case BV_EV_COMMIT:
        w->in_txn = 0;
        w->end_offset = ev->end_offset;
        w->last_offset = ev->end_offset; /* the next event starts where this one ended */
        memset(&w->txn_gtid, 0, sizeof(w->txn_gtid));
        break;
    case BV_EV_ROTATE:
        memcpy(w->file, ev->new_file.ptr, ev->new_file.len);
        w->file[ev->new_file.len] = 0;
        w->file_len = ev->new_file.len;
        w->end_offset = ev->end_offset;
        w->last_offset = ev->end_offset;
        break;
    default:
        break;
    }
    if (w->events == 0 || ev->ts_us < w->min_ts)
        w->min_ts = ev->ts_us;
    if (w->events == 0 || ev->ts_us > w->max_ts)
        w->max_ts = ev->ts_us;
    w->events++;
    w->counts[ev->type]++;
    return BV_OK;
}

int bv_walk_event(bv_walk *w, const bv_event *ev, char *err, size_t errlen)
{
    int rc = bv_walk_check(w, ev, err, errlen);
    return rc != BV_OK ? rc : bv_walk_apply(w, ev, err, errlen);
}

char *bv_walk_gtid_text(const bv_walk *w, size_t *len)
{
    size_t n = bv_gtid_set_format(w->gtid, NULL, 0);
    char *t = malloc(n + 1);
    if (!t)
        return NULL;
    bv_gtid_set_format(w->gtid, t, n + 1);
    if (len)
        *len = n;
    return t;
}
