/* Deterministic synthetic CDC stream (see synth.h). */
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOLS_MAX 11

struct bv_synth {
    bv_synth_opts o;
    uint64_t rng;
    bv_schema *schema[2];      /* version 0 and, after the first DDL, version 1 */
    int version;
    char file[64];
    uint64_t file_no;
    uint64_t offset;
    uint64_t ts;
    uint64_t txns, rows, seq, next_id;
    /* state of the transaction being produced */
    int phase;                 /* 0 begin, 1 rows, 2 commit, 3 rotate, 4 ddl */
    uint32_t rows_left, row_in_event;
    int ddl_pending;
    bv_event ev;
    bv_value before[NCOLS_MAX], after[NCOLS_MAX];
    char sbuf[4][160];
    char ddl[256];
    char dec[2][2][32];
    char nf[64];
    char evfile[64];
};

static uint64_t rnd(bv_synth *s)
{
    /* splitmix64 */
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void bv_synth_opts_init(bv_synth_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->file = "mysql-bin.000001";
    o->start_offset = 4;
    o->start_ts_us = 1767225600ull * 1000000u;
    o->max_rows_per_txn = 8;
    o->rotate_every = 1ull << 30;
    o->gtid_flavor = BV_GTID_MYSQL;
}

static bv_str S(const char *p) { bv_str s = {p, strlen(p)}; return s; }

static bv_schema *make_schema(int version)
{
    static const struct { const char *name; uint8_t type; uint16_t flags; uint32_t meta; uint16_t prec, scale; uint32_t cs; const char *tn; } cols[] = {
        {"id", BV_MYSQL_TYPE_LONGLONG, BV_COL_UNSIGNED, 0, 0, 0, 0, "bigint(20) unsigned"},
        {"user_id", BV_MYSQL_TYPE_LONG, 0, 0, 0, 0, 0, "int(11)"},
        {"status", BV_MYSQL_TYPE_TINY, BV_COL_NULLABLE, 0, 0, 0, 0, "tinyint(4)"},
        {"name", BV_MYSQL_TYPE_VARCHAR, BV_COL_NULLABLE, 256, 0, 0, 45, "varchar(64)"},
        {"email", BV_MYSQL_TYPE_VARCHAR, BV_COL_NULLABLE, 512, 0, 0, 45, "varchar(128)"},
        {"amount", BV_MYSQL_TYPE_NEWDECIMAL, 0, 0x0c02, 12, 2, 0, "decimal(12,2)"},
        {"balance", BV_MYSQL_TYPE_NEWDECIMAL, BV_COL_NULLABLE, 0x1204, 18, 4, 0, "decimal(18,4)"},
        {"created_at", BV_MYSQL_TYPE_DATETIME2, 0, 6, 0, 6, 0, "datetime(6)"},
        {"updated_at", BV_MYSQL_TYPE_TIMESTAMP2, 0, 0, 0, 0, 0, "timestamp"},
        {"score", BV_MYSQL_TYPE_DOUBLE, BV_COL_NULLABLE, 8, 0, 0, 0, "double"},
        {"region", BV_MYSQL_TYPE_VARCHAR, BV_COL_NULLABLE, 32, 0, 0, 45, "varchar(8)"},
    };
    bv_schema *s = bv_schema_new(S("shop"), S("orders"), BV_SCHEMA_FROM_TABLE_MAP);
    if (!s)
        return NULL;
    int n = version ? 11 : 10;
    for (int i = 0; i < n; i++) {
        bv_column c;
        memset(&c, 0, sizeof(c));
        c.name = S(cols[i].name);
        c.type = c.real_type = cols[i].type;
        c.flags = cols[i].flags;
        c.meta = cols[i].meta;
        c.precision = cols[i].prec;
        c.scale = cols[i].scale;
        c.charset = cols[i].cs;
        c.type_name = S(cols[i].tn);
        if (bv_schema_add_column(s, &c, NULL, 0) != BV_OK)
            goto bad;
    }
    uint32_t pk = 0;
    if (bv_schema_set_primary_key(s, &pk, NULL, 1, NULL, 0) != BV_OK || bv_schema_finish(s, NULL, 0) != BV_OK)
        goto bad;
    return s;
bad:
    bv_schema_free(s);
    return NULL;
}

bv_synth *bv_synth_new(const bv_synth_opts *o)
{
    bv_synth *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->o = *o;
    s->rng = o->seed;
    s->schema[0] = make_schema(0);
    s->schema[1] = make_schema(1);
    if (!s->schema[0] || !s->schema[1]) {
        bv_synth_free(s);
        return NULL;
    }
    snprintf(s->file, sizeof(s->file), "%s", o->file);
    s->offset = o->start_offset ? o->start_offset : 4;
    s->ts = o->start_ts_us;
    s->next_id = 1;
    return s;
}

void bv_synth_free(bv_synth *s)
{
    if (!s)
        return;
    bv_schema_free(s->schema[0]);
    bv_schema_free(s->schema[1]);
    free(s);
}

uint64_t bv_synth_rows(const bv_synth *s) { return s->rows; }
uint64_t bv_synth_txns(const bv_synth *s) { return s->txns; }

static void fill_row(bv_synth *s, bv_value *v, uint64_t id, int slot)
{
    static const char *const first[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};
    static const char *const regions[] = {"eu-west", "us-east", "ap-south", "sa-east"};
    uint64_t r = rnd(s);
    memset(v, 0, sizeof(bv_value) * NCOLS_MAX);
    v[0].kind = BV_VAL_UINT; v[0].v.u = id;
    v[1].kind = BV_VAL_INT; v[1].v.i = (int64_t)(r % 100000);
    if (r % 17 == 0) v[2].kind = BV_VAL_NULL; else { v[2].kind = BV_VAL_INT; v[2].v.i = (int64_t)(r >> 8) % 5; }
    int n = snprintf(s->sbuf[slot * 2], sizeof(s->sbuf[0]), "%s %llu", first[(r >> 12) % 8], (unsigned long long)(id % 9973));
    v[3].kind = BV_VAL_STRING; v[3].v.s.ptr = s->sbuf[slot * 2]; v[3].v.s.len = (size_t)n;
    n = snprintf(s->sbuf[slot * 2 + 1], sizeof(s->sbuf[0]), "%s.%llu@example.com", first[(r >> 12) % 8], (unsigned long long)id);
    v[4].kind = BV_VAL_STRING; v[4].v.s.ptr = s->sbuf[slot * 2 + 1]; v[4].v.s.len = (size_t)n;
    /* decimals as exact text */
    n = snprintf(s->dec[slot][0], 32, "%llu.%02llu", (unsigned long long)((r >> 20) % 100000), (unsigned long long)((r >> 40) % 100));
    v[5].kind = BV_VAL_DECIMAL; v[5].v.s.ptr = s->dec[slot][0]; v[5].v.s.len = (size_t)n;
    if (r % 11 == 0) v[6].kind = BV_VAL_NULL;
    else {
        n = snprintf(s->dec[slot][1], 32, "%s%llu.%04llu", (r & 1) ? "-" : "", (unsigned long long)((r >> 24) % 10000000), (unsigned long long)((r >> 44) % 10000));
        v[6].kind = BV_VAL_DECIMAL; v[6].v.s.ptr = s->dec[slot][1]; v[6].v.s.len = (size_t)n;
    }
    uint64_t t = s->ts / 1000000u;
    v[7].kind = BV_VAL_DATETIME;
    v[7].v.dt.year = 2026; v[7].v.dt.month = (uint8_t)(1 + (t / 2592000) % 12); v[7].v.dt.day = (uint8_t)(1 + (t / 86400) % 28);
    v[7].v.dt.hour = (uint8_t)((t / 3600) % 24); v[7].v.dt.minute = (uint8_t)((t / 60) % 60); v[7].v.dt.second = (uint8_t)(t % 60);
    v[7].v.dt.usec = (uint32_t)(s->ts % 1000000u);
    v[8].kind = BV_VAL_TIMESTAMP; v[8].v.ts.sec = t; v[8].v.ts.usec = 0;
    if (r % 5 == 0) v[9].kind = BV_VAL_NULL; else { v[9].kind = BV_VAL_DOUBLE; v[9].v.d = (double)(r % 1000000) / 1000.0; }
    v[10].kind = BV_VAL_STRING; v[10].v.s.ptr = regions[(r >> 50) % 4]; v[10].v.s.len = strlen(regions[(r >> 50) % 4]);
}

const bv_event *bv_synth_next(bv_synth *s)
{
    bv_event *ev = &s->ev;
    memset(ev, 0, sizeof(*ev));
    memcpy(s->evfile, s->file, sizeof(s->evfile));
    ev->pos.file.ptr = s->evfile;
    ev->pos.file.len = strlen(s->evfile);
    ev->ts_us = s->ts;
    switch (s->phase) {
    case 0: /* begin */
        if (s->offset >= s->o.rotate_every) {
            ev->type = BV_EV_ROTATE;
            ev->pos.offset = s->offset;
            s->file_no++;
            char *nf = s->nf;
            size_t base = strlen(s->o.file);
            while (base && s->o.file[base - 1] >= '0' && s->o.file[base - 1] <= '9')
                base--;
            unsigned long long first = strtoull(s->o.file + base, NULL, 10);
            snprintf(nf, sizeof(s->nf), "%.*s%06llu", (int)base, s->o.file, first + s->file_no);
            ev->new_file.ptr = nf;
            ev->new_file.len = strlen(nf);
            ev->end_offset = 4;
            snprintf(s->file, sizeof(s->file), "%s", nf);
            s->offset = 4;
            return ev;
        }
        s->ts += 1000 + rnd(s) % 5000;
        ev->ts_us = s->ts;
        ev->type = BV_EV_BEGIN;
        ev->pos.offset = s->offset;
        ev->server_id = 1;
        ev->thread_id = 100 + rnd(s) % 16;
        s->seq++;
        ev->gtid.flavor = (uint8_t)s->o.gtid_flavor;
        if (s->o.gtid_flavor == BV_GTID_MYSQL) {
            static const uint8_t uuid[16] = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
            memcpy(ev->gtid.uuid, uuid, 16);
        } else {
            ev->gtid.domain = 0;
            ev->gtid.server_id = 1;
        }
        ev->gtid.seq = s->seq;
        s->offset += 79 + 74; /* GTID + BEGIN query events */
        s->ddl_pending = s->o.ddl_every && s->txns && s->txns % s->o.ddl_every == 0;
        s->phase = s->ddl_pending ? 4 : 1;
        s->rows_left = 1 + (uint32_t)(rnd(s) % s->o.max_rows_per_txn);
        s->row_in_event = 0;
        return ev;
    case 4: /* ddl */
        ev->type = BV_EV_DDL;
        ev->pos.offset = s->offset;
        ev->database.ptr = "shop";
        ev->database.len = 4;
        s->version ^= 1;
        snprintf(s->ddl, sizeof(s->ddl), s->version ? "ALTER TABLE orders ADD COLUMN region VARCHAR(8)"
                                                    : "ALTER TABLE orders DROP COLUMN region");
        ev->sql.ptr = s->ddl;
        ev->sql.len = strlen(s->ddl);
        s->offset += 60 + ev->sql.len;
        ev->end_offset = s->offset;
        s->phase = 5;
        return ev;
    case 5:
        ev->type = BV_EV_COMMIT;
        ev->pos.offset = s->offset - 1;
        ev->end_offset = s->offset;
        ev->commit_kind = BV_COMMIT_IMPLICIT;
        s->txns++;
        s->phase = 0;
        return ev;
    case 1: { /* rows */
        uint64_t r = rnd(s);
        bv_schema *sc = s->schema[s->version];
        ev->schema = sc;
        ev->ncols = bv_schema_ncols(sc);
        ev->pos.offset = s->offset;
        ev->pos.row = s->row_in_event;
        int kind = (int)(r % 10);
        if (kind < 6 || s->next_id < 10) {
            ev->type = BV_EV_INSERT;
            fill_row(s, s->after, s->next_id++, 0);
            ev->after = s->after;
        } else {
            uint64_t id = 1 + (r >> 8) % (s->next_id - 1);
            fill_row(s, s->before, id, 0);
            if (kind < 9) {
                ev->type = BV_EV_UPDATE;
                fill_row(s, s->after, id, 1);
                ev->before = s->before;
                ev->after = s->after;
            } else {
                ev->type = BV_EV_DELETE;
                ev->before = s->before;
            }
        }
        s->rows++;
        s->row_in_event++;
        if (--s->rows_left == 0 || s->row_in_event == 4) {
            s->offset += 40 + 120 * s->row_in_event; /* TABLE_MAP + ROWS event */
            s->row_in_event = 0;
        }
        if (s->rows_left == 0)
            s->phase = 2;
        return ev;
    }
    default: /* commit */
        if (s->row_in_event) {
            s->offset += 40 + 120 * s->row_in_event;
            s->row_in_event = 0;
        }
        ev->type = BV_EV_COMMIT;
        ev->pos.offset = s->offset;
        s->offset += 31;
        ev->end_offset = s->offset;
        ev->commit_kind = BV_COMMIT_XID;
        ev->xid = 1000 + s->txns;
        s->txns++;
        s->phase = 0;
        return ev;
    }
}
