/* Arena for decoded strings, and the packed-integer cursor read. */
#include <stdlib.h>
#include <string.h>

#include "binlog.h"

struct bv_arena_chunk {
    bv_arena_chunk *next;
    size_t cap;
    _Alignas(8) uint8_t data[];
};

#define CHUNK (64u << 10)

void bv_arena_init(bv_arena *a)
{
    a->head = NULL;
    a->cur = NULL;
    a->left = 0;
    a->used_total = 0;
}

void *bv_arena_alloc_slow(bv_arena *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (need < n)
        return NULL;
    if (need > a->left) {
        size_t cap = need > CHUNK ? need : CHUNK;
        bv_arena_chunk *nc = malloc(sizeof(*nc) + cap);
        if (!nc)
            return NULL;
        nc->cap = cap;
        nc->next = a->head;
        a->head = nc;
        a->cur = nc->data;
        a->left = cap;
    }
    void *p = a->cur;
    a->cur += need;
    a->left -= need;
    a->used_total += need;
    return p;
}

void bv_arena_reset(bv_arena *a)
{
    /* keep the newest chunk only if it is the standard size */
    bv_arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        bv_arena_chunk *next = c->next;
        if (!keep && c->cap == CHUNK)
            keep = c;
        else
            free(c);
        c = next;
    }
    if (keep)
        keep->next = NULL;
    a->head = keep;
    a->cur = keep ? keep->data : NULL;
    a->left = keep ? keep->cap : 0;
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
