/* Arena for decoded strings, and the packed-integer cursor read. */
#include <stdlib.h>
#include <string.h>

#include "binlog.h"

struct bv_arena_chunk {
    bv_arena_chunk *next;
    size_t cap, used;
    _Alignas(8) uint8_t data[];
};

void bv_arena_init(bv_arena *a)
{
    a->head = NULL;
    a->used_total = 0;
}

void *bv_arena_alloc(bv_arena *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (need < n)
        return NULL;
    bv_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > (64u << 10) ? need : (64u << 10);
        bv_arena_chunk *nc = malloc(sizeof(*nc) + cap);
        if (!nc)
            return NULL;
        nc->cap = cap;
        nc->used = 0;
        nc->next = a->head;
        a->head = nc;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used_total += need;
    return p;
}

void bv_arena_reset(bv_arena *a)
{
    /* keep the newest chunk only if it is the standard size */
    bv_arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        bv_arena_chunk *next = c->next;
        if (!keep && c->cap == (64u << 10)) {
            keep = c;
            keep->used = 0;
        } else {
            free(c);
        }
        c = next;
    }
    if (keep)
        keep->next = NULL;
    a->head = keep;
    a->used_total = 0;
}

void bv_arena_release(bv_arena *a)
{
    bv_arena_chunk *c = a->head;
    while (c) {
        bv_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    bv_arena_init(a);
}

int bv_cur_packed(bv_cur *c, uint64_t *v)
{
    uint8_t b;
    const uint8_t *p;
    bv_cur save = *c;
    int rc = bv_cur_u8(c, &b);
    if (rc)
        return rc;
    unsigned n = b < 251 ? 0 : b == 0xfc ? 2 : b == 0xfd ? 3 : b == 0xfe ? 8 : 99;
    if (n == 99) {
        *c = save;
        return BV_E_DECODE;
    }
    if (n == 0) {
        *v = b;
        return BV_OK;
    }
    if ((rc = bv_cur_bytes(c, n, &p))) {
        *c = save;
        return rc;
    }
    *v = bv_rdle(p, n);
    return BV_OK;
}
