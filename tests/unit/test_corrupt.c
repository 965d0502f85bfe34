/* Damage detection: a small sealed archive; flip one bit of one byte at a
 * time, at every position of every segment file (or a deterministic spread
 * plus random positions when the archive is larger): bv_archive_verify must
 * report a problem naming that segment and return BV_E_CORRUPT, and a full
 * reader pass must fail naming the segment, never return different data.
 * Also truncated and substituted sealed segments. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "binvault/archive.h"
#include "binvault/error.h"
#include "binvault/event.h"
#include "binvault/gtid.h"
#include "harness.h"
#include "synth.h"
#include "testutil.h"

#define NSEG 3

typedef struct arch {
    char dir[4096];
    char name[NSEG][320];
    char path[NSEG][4096];
    uint64_t size[NSEG];
    tu_model m;
} arch;

/* Three sealed segments of a synthetic stream with DDL and rotations. */
static int build(arch *a, const char *root)
{
    bv_writer *w = NULL;
    bv_writer_opts o;
    bv_synth_opts so;
    char err[1024] = "";
    int rc;
    memset(a, 0, sizeof(*a));
    tu_pathf(a->dir, sizeof(a->dir), "%s/sealed", root);
    tu_model_init(&a->m, TU_FILE1, 4, "");
    bv_synth_opts_init(&so);
    so.seed = 99;
    so.ddl_every = 5;
    so.rotate_every = 4000;
    bv_synth *syn = bv_synth_new(&so);
    tu_wopts(&o, 1024, 0, "", BV_GTID_MYSQL);
    rc = bv_writer_open(&w, a->dir, &o, err, sizeof(err));
    for (int s = 0; rc == BV_OK && s < NSEG; s++) {
        rc = tu_feed(w, &a->m, syn, 4, 0);
        if (rc == BV_OK)
            rc = bv_writer_seal(w, err, sizeof(err));
    }
    if (rc == BV_OK)
        rc = bv_writer_close(w, err, sizeof(err));
    else
        bv_writer_free(w);
    bv_synth_free(syn);
    if (rc != BV_OK) {
        t_note("build: %s (%s)", bv_strerror(rc), err);
        return rc;
    }
    bv_archive *ar = NULL;
    if ((rc = bv_archive_open(&ar, a->dir, err, sizeof(err))) != BV_OK)
        return rc;
    if (bv_archive_count(ar) != NSEG) {
        bv_archive_free(ar);
        return BV_E_STATE;
    }
    for (int s = 0; s < NSEG; s++) {
        const bv_segment_info *si = bv_archive_segment(ar, (size_t)s);
        snprintf(a->name[s], sizeof(a->name[s]), "%s", si->name);
        tu_pathf(a->path[s], sizeof(a->path[s]), "%s/%s", a->dir, si->name);
        a->size[s] = si->file_bytes;
        if (!si->sealed)
            rc = BV_E_STATE;
    }
    bv_archive_free(ar);
    return rc;
}

typedef struct vres {
    unsigned problems;
    int named;                 /* a problem names the segment */
    const char *want;
    char first[1024];
} vres;

static void on_problem(void *ctx, const char *file, uint64_t off, int code, const char *msg)
{
    vres *v = ctx;
    if (code == BV_OK)
        return;
    v->problems++;
    if (tu_has(file, v->want) || tu_has(msg, v->want))
        v->named = 1;
    if (!v->first[0])
        snprintf(v->first, sizeof(v->first), "%s @%llu: %s", file, (unsigned long long)off, msg);
}

/* verify: 1 when it fails with BV_E_CORRUPT and a problem names `name` */
static int verify_names(const char *dir, const char *name, char *why, size_t whylen)
{
    vres v;
    char err[1024] = "";
    memset(&v, 0, sizeof(v));
    v.want = name;
    bv_verify_cb cb = {on_problem, NULL, &v};
    int rc = bv_archive_verify(dir, NULL, 0, &cb, NULL, err, sizeof(err));
    if (rc == BV_E_CORRUPT && v.problems > 0 && v.named)
        return 1;
    snprintf(why, whylen, "verify rc %d, %u problems, named %d: %s", rc, v.problems, v.named, v.first);
    return 0;
}

/* Read everything. Returns 1 when the reader fails naming `name` after
 * returning only events equal to the original's (a prefix); 0 otherwise. */
static int reader_fails_clean(const char *dir, const tu_model *m, const char *name, int *silent, char *why,
                              size_t whylen)
{
    bv_reader *r = NULL;
    const bv_event *ev;
    char err[1024] = "";
    tu_sb b = {0};
    size_t i = 0;
    int same = 1;
    *silent = 0;
    int rc = bv_reader_open(&r, dir, NULL, err, sizeof(err));
    if (rc == BV_OK) {
        while ((rc = bv_reader_next(r, &ev, err, sizeof(err))) == 1) {
            if (same) {
                tu_sb_reset(&b);
                tu_render_event(&b, ev);
                if (i >= m->n || strcmp(b.p, m->ev[i].render) != 0) {
                    same = 0;
                    snprintf(why, whylen, "event %zu differs from the original: %.200s", i, b.p);
                }
            }
            i++;
        }
        bv_reader_free(r);
    }
    free(b.p);
    if (!same) {
        *silent = rc >= 0;
        return 0;
    }
    if (rc >= 0) {
        *silent = 1;
        snprintf(why, whylen, "the reader succeeded (%zu events%s)", i, i == m->n ? ", all identical" : "");
        return 0;
    }
    if (!tu_has(err, name)) {
        snprintf(why, whylen, "reader error does not name %s: %s", name, err);
        return 0;
    }
    return 1;
}

static int flip_at(const char *path, uint64_t pos, uint8_t mask, uint8_t *orig)
{
    int fd = open(path, O_RDWR);
    uint8_t c;
    int rc = -1;
    if (fd < 0)
        return -1;
    if (pread(fd, &c, 1, (off_t)pos) == 1) {
        *orig = c;
        c ^= mask;
        rc = pwrite(fd, &c, 1, (off_t)pos) == 1 ? 0 : -1;
    }
    close(fd);
    return rc;
}

static int restore_at(const char *path, uint64_t pos, uint8_t orig)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    int rc = pwrite(fd, &orig, 1, (off_t)pos) == 1 ? 0 : -1;
    close(fd);
    return rc;
}

static uint64_t rng_state = 0x5eed;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#define ALL_LIMIT 12000 /* flip every byte when the archive is at most this big */

static void test_flips(arch *a)
{
    uint64_t total = 0;
    unsigned trials = 0, v_ok = 0, r_ok = 0, silent = 0, noted = 0, restored = 1;
    unsigned per_seg[NSEG] = {0};
    char why[1400];
    for (int s = 0; s < NSEG; s++)
        total += a->size[s];
    int all = total <= ALL_LIMIT;
    t_note("archive: %s, %s, %s: %llu, %llu, %llu bytes; flipping %s", a->name[0], a->name[1], a->name[2],
           (unsigned long long)a->size[0], (unsigned long long)a->size[1], (unsigned long long)a->size[2],
           all ? "one bit of every byte" : "a spread of 1200 positions and 600 random ones");
    double t0 = tu_now_s();
    for (int s = 0; s < NSEG; s++) {
        uint64_t n = all ? a->size[s] : (1800 * a->size[s]) / total + 1;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t pos;
            if (all)
                pos = k;
            else if (k < n * 2 / 3)
                pos = k * a->size[s] / (n * 2 / 3); /* spread, including byte 0 */
            else
                pos = rnd() % a->size[s];
            if (!all && k == n - 1)
                pos = a->size[s] - 1; /* and the last byte */
            uint8_t orig, mask = (uint8_t)(1u << ((pos * 5 + (uint64_t)s) % 8));
            if (flip_at(a->path[s], pos, mask, &orig) != 0) {
                restored = 0;
                continue;
            }
            trials++;
            per_seg[s]++;
            int v = verify_names(a->dir, a->name[s], why, sizeof(why));
            if (!v && noted++ < 8)
                t_note("%s byte %llu ^0x%02x: %s", a->name[s], (unsigned long long)pos, mask, why);
            int sil = 0;
            int r = reader_fails_clean(a->dir, &a->m, a->name[s], &sil, why, sizeof(why));
            if (!r && noted++ < 8)
                t_note("%s byte %llu ^0x%02x: %s", a->name[s], (unsigned long long)pos, mask, why);
            v_ok += v;
            r_ok += r;
            silent += sil;
            if (restore_at(a->path[s], pos, orig) != 0)
                restored = 0;
        }
    }
    t_note("%u trials in %.2f s", trials, tu_now_s() - t0);
    T_OK(trials >= 1000, "%u single-byte damages (at least 1000)", trials);
    T_OK(per_seg[0] && per_seg[1] && per_seg[2], "every segment damaged (%u, %u, %u)", per_seg[0], per_seg[1],
         per_seg[2]);
    if (all)
        T_EQ_U64(trials, total, "every byte of every segment");
    T_EQ_U64(v_ok, trials, "each damage: verify fails with BV_E_CORRUPT and a problem naming the segment");
    T_EQ_U64(r_ok, trials, "each damage: the reader fails naming the segment, after only original events");
    T_EQ_U64(silent, 0, "no damage is read back silently");
    T_OK(restored, "every byte restored");
    char err[1024];
    T_EQ_INT(bv_archive_verify(a->dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK,
             "after the trials the archive verifies clean again");
}

static int truncate_to(const char *path, uint64_t size)
{
    return truncate(path, (off_t)size);
}

static uint8_t *slurp(const char *path, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    int fd = open(path, O_RDONLY);
    if (!p || fd < 0 || read(fd, p, n) != (ssize_t)n) {
        free(p);
        p = NULL;
    }
    if (fd >= 0)
        close(fd);
    return p;
}

static void test_truncations(arch *a)
{
    char why[1400] = "";
    for (int s = 0; s < NSEG; s++) {
        uint8_t *orig = slurp(a->path[s], a->size[s]);
        uint64_t sizes[4] = {a->size[s] - 1, a->size[s] / 2, 41, 0};
        static const char *const what[4] = {"by 1 byte", "by half", "to 41 bytes", "to 0 bytes"};
        for (int k = 0; k < 4; k++) {
            int silent = 0;
            truncate_to(a->path[s], sizes[k]);
            int v = verify_names(a->dir, a->name[s], why, sizeof(why));
            T_OK(v, "segment %d truncated %s: verify fails naming it (%s)", s, what[k], v ? "" : why);
            int r = reader_fails_clean(a->dir, &a->m, a->name[s], &silent, why, sizeof(why));
            T_OK(r, "segment %d truncated %s: the reader fails naming it (%s)", s, what[k], r ? "" : why);
            tu_write_file(a->path[s], orig, a->size[s]);
        }
        free(orig);
    }
    /* a segment replaced by another, valid one */
    uint8_t *s0 = slurp(a->path[0], a->size[0]), *s1 = slurp(a->path[1], a->size[1]);
    tu_write_file(a->path[1], s0, a->size[0]);
    T_OK(verify_names(a->dir, a->name[1], why, sizeof(why)),
         "segment 1 replaced by a copy of segment 0: verify fails naming it");
    tu_write_file(a->path[1], s1, a->size[1]);
    /* two segments swapped */
    tu_write_file(a->path[1], s0, a->size[0]);
    tu_write_file(a->path[0], s1, a->size[1]);
    T_OK(verify_names(a->dir, a->name[0], why, sizeof(why)), "segments 0 and 1 swapped: verify names segment 0");
    T_OK(verify_names(a->dir, a->name[1], why, sizeof(why)), "segments 0 and 1 swapped: verify names segment 1");
    tu_write_file(a->path[0], s0, a->size[0]);
    tu_write_file(a->path[1], s1, a->size[1]);
    free(s0);
    free(s1);
    char err[1024];
    T_EQ_INT(bv_archive_verify(a->dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK, "restored: verify clean");
}

int main(void)
{
    const char *root = t_tmpdir();
    arch a;
    char err[1024];
    double t0 = tu_now_s();
    if (!T_OK(build(&a, root) == BV_OK, "a small archive of %d sealed segments", NSEG))
        return t_done();
    T_EQ_INT(bv_archive_verify(a.dir, NULL, 0, NULL, NULL, err, sizeof(err)), BV_OK, "it verifies clean");
    {
        char why[1400] = "";
        int silent = 0;
        /* the reader check itself: an undamaged archive reads back identical */
        int r = reader_fails_clean(a.dir, &a.m, a.name[0], &silent, why, sizeof(why));
        T_OK(!r && silent && tu_has(why, "all identical"), "undamaged: the reader returns every original event (%s)", why);
    }
    test_flips(&a);
    test_truncations(&a);
    t_note("test_corrupt took %.2f s", tu_now_s() - t0);
    tu_model_free(&a.m);
    return t_done();
}
