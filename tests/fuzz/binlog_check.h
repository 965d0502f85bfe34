/* Shared checks for the binlog decoder fuzz targets (fuzz_binlog.c,
 * fuzz_binlog_events.c, fuzz_binlog_values.c): a strict UTF-8 and JSON text
 * validator, and an event sink that holds every event the decoder emits to
 * what the archive format can store.
 *
 * Header-only (static functions), included by one target each; the Makefile
 * builds every tests/fuzz/fuzz_NAME.c on its own.
 *
 * The sink (fz_sink with an fz_blcheck as context) checks each bv_event
 * (and, when fail_at is set, fails at that event with BV_E_IO, as the
 * writer does on a full disk: the decoder must stop with that error):
 *   - fatal (abort): anything the segment writer would refuse as an invalid
 *     value or field (bv_writer_append: bv_value_check on every row value,
 *     schema present/finished/ncols, DDL/NOTE/BEGIN field ranges), a JSON or
 *     JSON_DIFF value that is not valid UTF-8 JSON text, a row with no column
 *     present (it took no bytes), a schema or record that does not survive
 *     bv_record_encode -> bv_record_decode -> encode with identical bytes, an
 *     event outside the current binlog file; and (fz_check_start_gtids) a
 *     start GTID text from a MariaDB GTID_LIST that bv_gtid_set_parse refuses;
 *   - not fatal by default: the archive's stream rules (bv_walk_event: begin/
 *     commit structure, offsets never going back, one GTID flavour) and a
 *     start GTID text from a MySQL PREVIOUS_GTIDS that does not parse. A
 *     violation means the writer would refuse the event with an error and
 *     the import would stop; it is a decoder weakness (it accepted binlog
 *     events no server writes in that order) rather than memory or data
 *     corruption. The first violation stops the rule checks for that input
 *     (the walker state is unusable after it) while decoding goes on.
 *     BV_FUZZ_RULES=1 makes a violation abort (to hunt for them),
 *     BV_FUZZ_RULES=log prints the first violation of each kind to stderr
 *     (and saves the input as BV_FUZZ_RULES_DIR/rule-N when that is set).
 */
#ifndef BV_FUZZ_BINLOG_CHECK_H
#define BV_FUZZ_BINLOG_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog.h"
#include "binvault/gtid.h"
#include "fuzz.h"
#include "internal.h"

#define FZ_FN static __attribute__((unused))

/* ------------------------------------------------------------ allocations */

/* No binlog input of these targets (at most 1 MiB) may make the decoder
 * allocate 3 GiB or more at once (regression: crash-maria-compressed-length,
 * a MariaDB compressed event that claimed 4 GiB). Checked with a sanitizer
 * malloc hook, so in the sanitizer builds (`make test`'s second pass, and
 * libFuzzer, whose own -malloc_limit_mb also applies); the plain replay build
 * has no hook. */
void __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                               void (*free_hook)(const volatile void *)) __attribute__((weak));

static void fz_malloc_hook(const volatile void *p, size_t size)
{
    (void)p;
    if (size >= (size_t)3 << 30) {
        fprintf(stderr, "allocation of %zu bytes while decoding a small binlog input\n", size);
        abort();
    }
}

static void fz_free_hook(const volatile void *p)
{
    (void)p; /* the sanitizer installs hooks only in pairs */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (__sanitizer_install_malloc_and_free_hooks)
        __sanitizer_install_malloc_and_free_hooks(fz_malloc_hook, fz_free_hook);
    return 0;
}

/* ------------------------------------------------------------ UTF-8 */

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes left), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
FZ_FN size_t fz_utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

FZ_FN int fz_utf8_valid(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = fz_utf8_seq(s + i, n - i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

/* ------------------------------------------------------------ JSON */

/* RFC 8259 JSON text: one value with optional surrounding whitespace;
 * strings without raw control characters, only the standard escapes, \u
 * surrogates in pairs, well-formed UTF-8; numbers -?(0|[1-9]D*)(.D+)?([eE][+-]?D+)?. */
typedef struct fz_json {
    const uint8_t *p, *end;
    unsigned depth;
} fz_json;

#define FZ_JSON_MAX_DEPTH 1000

FZ_FN int fz_json_value(fz_json *j);

FZ_FN void fz_json_ws(fz_json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

FZ_FN int fz_json_hex4(fz_json *j, unsigned *v)
{
    *v = 0;
    if (j->end - j->p < 4)
        return 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = *j->p++;
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        *v = *v << 4 | d;
    }
    return 1;
}

FZ_FN int fz_json_string(fz_json *j)
{
    if (j->p >= j->end || *j->p != '"')
        return 0;
    j->p++;
    while (j->p < j->end) {
        uint8_t c = *j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end)
                return 0;
            c = *j->p++;
            if (c == 'u') {
                unsigned u, u2;
                if (!fz_json_hex4(j, &u))
                    return 0;
                if (u >= 0xdc00 && u <= 0xdfff)
                    return 0; /* lone low surrogate */
                if (u >= 0xd800 && u <= 0xdbff) {
                    if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
                        return 0;
                    j->p += 2;
                    if (!fz_json_hex4(j, &u2) || u2 < 0xdc00 || u2 > 0xdfff)
                        return 0;
                }
            } else if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' && c != 'r' &&
                       c != 't') {
                return 0;
            }
            continue;
        }
        size_t l = fz_utf8_seq(j->p, (size_t)(j->end - j->p));
        if (!l)
            return 0;
        j->p += l;
    }
    return 0;
}

FZ_FN int fz_json_digits(fz_json *j)
{
    const uint8_t *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

FZ_FN int fz_json_number(fz_json *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end)
        return 0;
    if (*j->p == '0')
        j->p++;
    else if (*j->p >= '1' && *j->p <= '9')
        fz_json_digits(j);
    else
        return 0;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!fz_json_digits(j))
            return 0;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!fz_json_digits(j))
            return 0;
    }
    return 1;
}

FZ_FN int fz_json_word(fz_json *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return 0;
    j->p += n;
    return 1;
}

FZ_FN int fz_json_container(fz_json *j, int object)
{
    uint8_t close = object ? '}' : ']';
    if (++j->depth > FZ_JSON_MAX_DEPTH)
        return 0;
    j->p++; /* '{' or '[' */
    fz_json_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return 1;
    }
    for (;;) {
        if (object) {
            if (!fz_json_string(j))
                return 0;
            fz_json_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return 0;
            j->p++;
            fz_json_ws(j);
        }
        if (!fz_json_value(j))
            return 0;
        fz_json_ws(j);
        if (j->p >= j->end)
            return 0;
        if (*j->p == close) {
            j->p++;
            j->depth--;
            return 1;
        }
        if (*j->p != ',')
            return 0;
        j->p++;
        fz_json_ws(j);
    }
}

FZ_FN int fz_json_value(fz_json *j)
{
    if (j->p >= j->end)
        return 0;
    switch (*j->p) {
    case '{': return fz_json_container(j, 1);
    case '[': return fz_json_container(j, 0);
    case '"': return fz_json_string(j);
    case 't': return fz_json_word(j, "true");
    case 'f': return fz_json_word(j, "false");
    case 'n': return fz_json_word(j, "null");
    default: return fz_json_number(j);
    }
}

/* 1 when p[0..n) is one valid JSON text (and valid UTF-8). */
FZ_FN int fz_json_valid(const uint8_t *p, size_t n)
{
    fz_json j = {p, p + n, 0};
    if (!fz_utf8_valid(p, n))
        return 0;
    fz_json_ws(&j);
    if (!fz_json_value(&j))
        return 0;
    fz_json_ws(&j);
    return j.p == j.end;
}

/* ------------------------------------------------------------ FDE checksums */

/* (X*256+Y)*256+Z of "X.Y.Z...", 0 when it does not start that way (as
 * archiver/frame.c reads a server version). */
FZ_FN unsigned fz_version_product(const char *v)
{
    unsigned part[3] = {0, 0, 0};
    const char *p = v;
    for (int i = 0; i < 3; i++) {
        char *end;
        unsigned long x = strtoul(p, &end, 10);
        if (end == p || x > 255)
            return 0;
        part[i] = (unsigned)x;
        if (i < 2) {
            if (*end != '.')
                return 0;
            p = end + 1;
        }
    }
    return (part[0] * 256 + part[1]) * 256 + part[2];
}

/* Whether a FORMAT_DESCRIPTION with this body (n bytes after the common
 * header) ends with a CRC32 of its own: written by MySQL >= 5.6.1 or
 * MariaDB >= 5.3.0 (the server version at body offset 2, at most 50 bytes). */
FZ_FN int fz_fde_has_crc(const uint8_t *body, size_t n)
{
    char ver[51];
    size_t k = 0;
    if (n >= 2)
        for (; k < 50 && 2 + k < n && body[2 + k]; k++)
            ver[k] = (char)body[2 + k];
    ver[k] = 0;
    unsigned v = fz_version_product(ver);
    if (strstr(ver, "MariaDB"))
        return v >= (5u * 256 + 3) * 256 + 0;
    return v >= (5u * 256 + 6) * 256 + 1;
}

/* Store the CRC32 of an FDE of size bytes at p in its last 4 bytes: computed
 * with the LOG_EVENT_BINLOG_IN_USE_F flag (0x1) of the header cleared. */
FZ_FN void fz_fde_set_crc(uint8_t *p, size_t size)
{
    uint16_t flags = (uint16_t)bv_rdle(p + 17, 2);
    p[17] &= (uint8_t)~BV_BL_F_IN_USE;
    bv_wr32(p + size - 4, bv_crc32(p, size - 4));
    bv_wr16(p + 17, flags);
}

/* ------------------------------------------------------------ helpers */

/* Read every byte (AddressSanitizer checks the pointer and length). */
static volatile uint64_t fz_sum;
FZ_FN void fz_touch(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 31 + b[i];
    fz_sum += h;
}

/* The checks bv_writer_append makes before it stores an event, plus the
 * JSON text rule of FORMAT.md: 1 when the format can store ev. Writes what is
 * wrong into why. */
FZ_FN int fz_event_storable(const bv_event *ev, char *why, size_t whylen)
{
    if (ev->type < 1 || ev->type > BV_EV_TYPE_MAX) {
        snprintf(why, whylen, "event type %u", ev->type);
        return 0;
    }
    if (ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE) {
        if (!ev->schema || bv_schema_hash(ev->schema) == 0 || ev->ncols != bv_schema_ncols(ev->schema) ||
            (ev->type != BV_EV_INSERT && !ev->before) || (ev->type != BV_EV_DELETE && !ev->after)) {
            snprintf(why, whylen, "row event without a finished schema or with a missing image");
            return 0;
        }
        for (int img = 0; img < 2; img++) {
            const bv_value *vals = img ? ev->after : ev->before;
            if (!vals)
                continue;
            for (uint32_t i = 0; i < ev->ncols; i++) {
                const bv_value *v = &vals[i];
                if (bv_value_check(v) != BV_OK) {
                    snprintf(why, whylen, "%s image column %u: %s value the format cannot store",
                             img ? "after" : "before", i + 1, bv_value_kind_name(v->kind));
                    return 0;
                }
                if (v->kind >= BV_VAL_DECIMAL && v->kind != BV_VAL_BIT && v->kind != BV_VAL_ENUM &&
                    v->kind != BV_VAL_SET && v->kind != BV_VAL_DATE && v->kind != BV_VAL_TIME &&
                    v->kind != BV_VAL_DATETIME && v->kind != BV_VAL_TIMESTAMP && v->kind != BV_VAL_YEAR)
                    fz_touch(v->v.s.ptr, v->v.s.len);
                /* regression: crash-json-diff-path-utf8 (a partial JSON path
                 * that is not UTF-8 was copied into JSON_DIFF text) */
                if ((v->kind == BV_VAL_JSON || v->kind == BV_VAL_JSON_DIFF) &&
                    !fz_json_valid((const uint8_t *)v->v.s.ptr, v->v.s.len)) {
                    snprintf(why, whylen, "%s image column %u: %s value is not valid UTF-8 JSON text: %.*s",
                             img ? "after" : "before", i + 1, bv_value_kind_name(v->kind),
                             (int)(v->v.s.len > 200 ? 200 : v->v.s.len), v->v.s.ptr);
                    return 0;
                }
            }
        }
    }
    if ((ev->type == BV_EV_DDL && (ev->database.len > BV_MAX_NAME || ev->sql.len > BV_MAX_TEXT)) ||
        (ev->type == BV_EV_NOTE && (ev->text.len > BV_MAX_TEXT || ev->note_level > BV_NOTE_WARNING)) ||
        (ev->type == BV_EV_BEGIN &&
         (ev->gtid.flavor > BV_GTID_MARIADB || memchr(ev->gtid.tag, 0, sizeof(ev->gtid.tag)) == NULL)) ||
        (ev->type == BV_EV_COMMIT && ev->commit_kind > BV_COMMIT_IMPLICIT)) {
        snprintf(why, whylen, "%s event field out of range", bv_event_type_name(ev->type));
        return 0;
    }
    fz_touch(ev->database.ptr, ev->database.len);
    fz_touch(ev->sql.ptr, ev->sql.len);
    fz_touch(ev->text.ptr, ev->text.len);
    fz_touch(ev->new_file.ptr, ev->new_file.len);
    return 1;
}

/* ------------------------------------------------------------ the sink */

typedef struct fz_blcheck {
    char file[256];            /* the decoder's current binlog file */
    bv_walk walk;
    int walking;               /* rule checks still on (no violation yet) */
    bv_schemas schemas;        /* decoded copies of the schemas seen */
    uint64_t *hashes;          /* bv_schema_hash of schemas.v[i] */
    uint32_t caphash;
    bv_rec_ctx ctx;
    bv_buf enc, enc2;
    unsigned long events, rows, violations;
    unsigned long fail_at;     /* the sink fails (BV_E_IO) at this event, as a full disk would (0: never) */
    int sink_failed;           /* it did: the decoder must return BV_E_IO */
    int saw_rotate;
    char rotate_to[256];
    char violation[512];       /* the first rule violation */
} fz_blcheck;

/* BV_FUZZ_VERBOSE=1: one line per input on stderr saying how far decoding
 * got (for checking what a seed corpus reaches). */
FZ_FN int fz_verbose(void)
{
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("BV_FUZZ_VERBOSE");
        v = e && *e && *e != '0';
    }
    return v;
}

/* BV_FUZZ_RULES: 0 (default) ignore rule violations, 1 abort, 2 log. */
FZ_FN int fz_rules_mode(void)
{
    static int mode = -1;
    if (mode < 0) {
        const char *e = getenv("BV_FUZZ_RULES");
        mode = !e || !*e || *e == '0' ? 0 : strcmp(e, "log") == 0 ? 2 : 1;
    }
    return mode;
}

/* The input being run (set by the target), saved with a violation. */
static const uint8_t *fz_input;
static size_t fz_input_size;

FZ_FN void fz_set_input(const uint8_t *p, size_t n)
{
    fz_input = p;
    fz_input_size = n;
}

/* Print the first violation of each kind (the message up to its first
 * digit); with BV_FUZZ_RULES_DIR set, also save the input there as
 * rule-N (N numbers the kinds). */
FZ_FN void fz_log_violation(const char *msg)
{
    static char seen[64][64];
    static unsigned nseen;
    char shape[64];
    size_t k = strcspn(msg, "0123456789");
    if (k >= sizeof(shape))
        k = sizeof(shape) - 1;
    memcpy(shape, msg, k);
    shape[k] = 0;
    for (unsigned i = 0; i < nseen; i++)
        if (strcmp(seen[i], shape) == 0)
            return;
    if (nseen == 64)
        return;
    memcpy(seen[nseen++], shape, sizeof(shape));
    fprintf(stderr, "binlog stream rule violation (not fatal): %s\n", msg);
    const char *dir = getenv("BV_FUZZ_RULES_DIR");
    if (dir && *dir && fz_input) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/rule-%u", dir, nseen);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(fz_input, 1, fz_input_size, f);
            fclose(f);
            fprintf(stderr, "  input saved as %s\n", path);
        }
    }
}

FZ_FN void fz_blcheck_init(fz_blcheck *c, const char *file)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->file, sizeof(c->file), "%s", file);
    bv_str f = {c->file, strlen(c->file)}, none = {"", 0};
    FUZZ_CHECK(bv_walk_init(&c->walk, f, 4, none, NULL, 0) == BV_OK);
    c->walking = 1;
    bv_schemas_init(&c->schemas);
    c->ctx.schemas = &c->schemas;
    bv_buf_init(&c->enc);
    bv_buf_init(&c->enc2);
}

FZ_FN void fz_blcheck_release(fz_blcheck *c)
{
    bv_walk_release(&c->walk);
    bv_schemas_release(&c->schemas);
    free(c->hashes);
    bv_rec_ctx_release(&c->ctx);
    bv_buf_release(&c->enc);
    bv_buf_release(&c->enc2);
}

/* A new binlog file begins (after the decoder's ROTATE to it). */
FZ_FN void fz_blcheck_file(fz_blcheck *c, const char *file)
{
    snprintf(c->file, sizeof(c->file), "%s", file);
}

/* Segment-local id of a schema equal to s, adding it (through an encoded
 * SCHEMA record, decoded back) when new. */
FZ_FN uint32_t fz_schema_id(fz_blcheck *c, const bv_schema *s)
{
    uint64_t h = bv_schema_hash(s);
    for (uint32_t i = 0; i < c->schemas.n; i++)
        if (c->hashes[i] == h)
            return i;
    uint32_t id = c->schemas.n;
    bv_buf_reset(&c->enc);
    bv_record_encode_schema(&c->enc, id, s);
    FUZZ_CHECK(bv_buf_status(&c->enc) == BV_OK);
    bv_cur cur = bv_cur_make(c->enc.data, c->enc.len);
    bv_event ev;
    int is_schema = 0;
    char msg[256] = "";
    int rc = bv_record_decode(&cur, &c->ctx, &ev, &is_schema, msg, sizeof(msg));
    if (rc != BV_OK || !is_schema || cur.left != 0) {
        fprintf(stderr, "decoder produced a schema (%.*s.%.*s, %u columns) the format cannot read back: %s\n",
                (int)bv_schema_database(s).len, bv_schema_database(s).ptr, (int)bv_schema_table(s).len,
                bv_schema_table(s).ptr, bv_schema_ncols(s), msg);
        abort();
    }
    FUZZ_CHECK(c->schemas.n == id + 1);
    FUZZ_CHECK(bv_schema_hash(c->schemas.v[id]) == h);
    if (c->schemas.n > c->caphash) {
        uint32_t cap = c->caphash ? c->caphash * 2 : 16;
        uint64_t *n = realloc(c->hashes, cap * sizeof(*n));
        FUZZ_CHECK(n != NULL);
        c->hashes = n;
        c->caphash = cap;
    }
    c->hashes[id] = h;
    return id;
}

/* bv_sink_fn. */
FZ_FN int fz_sink(void *ctx, const bv_event *ev, char *err, size_t errlen)
{
    fz_blcheck *c = ctx;
    char why[400];
    c->events++;
    if (ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE)
        c->rows++; /* as the decoder's statistics count it: before the sink */
    if (c->fail_at && c->events == c->fail_at) {
        c->sink_failed = 1;
        return bv_seterr(err, errlen, BV_E_IO, "fuzz harness: the archive writer fails");
    }
    FUZZ_CHECK(ev->type >= 1 && ev->type <= BV_EV_TYPE_MAX);
    if (ev->pos.file.len != strlen(c->file) || memcmp(ev->pos.file.ptr, c->file, ev->pos.file.len) != 0) {
        fprintf(stderr, "%s event names file %.*s, the decoder is in %s\n", bv_event_type_name(ev->type),
                (int)ev->pos.file.len, ev->pos.file.ptr, c->file);
        abort();
    }
    if (!fz_event_storable(ev, why, sizeof(why))) {
        fprintf(stderr, "decoder emitted a %s event at %s:%llu row %u that the format cannot store: %s\n",
                bv_event_type_name(ev->type), c->file, (unsigned long long)ev->pos.offset, ev->pos.row, why);
        abort();
    }
    if (ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE) {
        /* A row with no column present takes no bytes: the decoder must
         * refuse the event, not loop over it (regression:
         * crash-rows-no-column-present). */
        int any = 0;
        for (uint32_t i = 0; i < ev->ncols && !any; i++)
            any = (ev->before && ev->before[i].kind != BV_VAL_ABSENT) ||
                  (ev->after && ev->after[i].kind != BV_VAL_ABSENT);
        if (!any) {
            fprintf(stderr, "%s event at %s:%llu row %u has no column present (the decoder would loop)\n",
                    bv_event_type_name(ev->type), c->file, (unsigned long long)ev->pos.offset, ev->pos.row);
            abort();
        }
    }

    /* encode -> decode -> encode gives the same bytes */
    uint32_t sid = 0;
    if (ev->type >= BV_EV_INSERT && ev->type <= BV_EV_DELETE)
        sid = fz_schema_id(c, ev->schema);
    bv_buf_reset(&c->enc);
    FUZZ_CHECK(bv_record_encode(&c->enc, ev, sid) == BV_OK);
    bv_cur cur = bv_cur_make(c->enc.data, c->enc.len);
    bv_event back;
    int is_schema = 1;
    char msg[256] = "";
    c->ctx.file = c->file;
    c->ctx.file_len = strlen(c->file);
    int rc = bv_record_decode(&cur, &c->ctx, &back, &is_schema, msg, sizeof(msg));
    if (rc != BV_OK || is_schema || cur.left != 0 || back.type != ev->type) {
        fprintf(stderr, "%s event at %s:%llu: its %zu-byte record does not decode back: %s\n",
                bv_event_type_name(ev->type), c->file, (unsigned long long)ev->pos.offset, c->enc.len, msg);
        abort();
    }
    bv_buf_reset(&c->enc2);
    FUZZ_CHECK(bv_record_encode(&c->enc2, &back, sid) == BV_OK);
    FUZZ_CHECK(c->enc2.len == c->enc.len && memcmp(c->enc2.data, c->enc.data, c->enc.len) == 0);

    if (ev->type == BV_EV_ROTATE) {
        c->saw_rotate = 1;
        FUZZ_CHECK(ev->new_file.len > 0 && ev->new_file.len < sizeof(c->rotate_to));
        memcpy(c->rotate_to, ev->new_file.ptr, ev->new_file.len);
        c->rotate_to[ev->new_file.len] = 0;
    }

    /* stream rules */
    if (c->walking) {
        char rmsg[512] = "";
        rc = bv_walk_event(&c->walk, ev, rmsg, sizeof(rmsg));
        if (rc != BV_OK) {
            FUZZ_CHECK(rc != BV_E_NOMEM);
            c->violations++;
            c->walking = 0;
            snprintf(c->violation, sizeof(c->violation), "%s", rmsg);
            if (fz_rules_mode() == 1) {
                fprintf(stderr, "binlog stream rule violation (BV_FUZZ_RULES=1): %s\n", rmsg);
                abort();
            }
            if (fz_rules_mode() == 2)
                fz_log_violation(rmsg);
        }
    }
    return BV_OK;
}

/* 1 when text is a list of MariaDB GTIDs as the decoder formats GTID_LIST
 * entries ("D-S-N" in decimal, comma-separated). */
FZ_FN int fz_mariadb_text(const char *text)
{
    int dashes = 0, digits = 0;
    for (const char *p = text;; p++) {
        if (*p >= '0' && *p <= '9') {
            digits++;
        } else if (*p == '-' && digits) {
            dashes++;
            digits = 0;
        } else if ((*p == ',' || !*p) && digits && dashes == 2) {
            if (!*p)
                return 1;
            dashes = digits = 0;
        } else {
            return 0;
        }
    }
}

/* The decoder's start GTID text must be a set the writer can open with.
 * From a MariaDB GTID_LIST it always must (regression:
 * crash-mariadb-gtid-list-two-servers, a real MariaDB 10.11 binlog whose
 * list holds two servers of one domain): abort. From a MySQL
 * PREVIOUS_GTIDS it is a rule check (not fatal unless BV_FUZZ_RULES=1): the
 * decoder formats SIDs without intervals and tags MySQL would refuse, and
 * the archiver then fails to open its archive. */
FZ_FN void fz_check_start_gtids(fz_blcheck *c, const char *text)
{
    bv_gtid_set *s = bv_gtid_set_new();
    char msg[256] = "";
    FUZZ_CHECK(s != NULL);
    if (bv_gtid_set_parse(s, text, strlen(text), msg, sizeof(msg)) != BV_OK) {
        char m[512];
        snprintf(m, sizeof(m), "start GTID set \"%.200s\" does not parse: %s", text, msg);
        if (fz_mariadb_text(text)) {
            fprintf(stderr, "%s\n", m);
            abort();
        }
        c->violations++;
        if (fz_rules_mode() == 1) {
            fprintf(stderr, "binlog stream rule violation (BV_FUZZ_RULES=1): %s\n", m);
            abort();
        }
        if (fz_rules_mode() == 2)
            fz_log_violation(m);
    }
    bv_gtid_set_free(s);
}

#endif
