/* Fuzz target: the record codec (format/record.c, format/schema.c values
 * and schemas) on a decompressed block payload.
 *
 * Input: the raw (decompressed) payload of one block, i.e. a sequence of
 * records. They are decoded one by one as the reader does (bv_rec_ctx with a
 * bv_schemas table, the current binlog file starting as "mysql-bin.000001"
 * and following ROTATE records) until the end or the first error. For every
 * decoded record:
 *   - a failed decode must leave the cursor where it was;
 *   - re-encoding gives exactly the bytes that were decoded (the format is
 *     canonical: varints, schema bodies and values have one encoding), and
 *     decoding the re-encoding then encoding it again gives the same bytes;
 *   - events are fed to the stream-rule walker (format/walk.c), as verify
 *     does (rule violations are expected and ignored).
 */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

FUZZ_UBSAN_DEFAULTS

#define START_FILE "mysql-bin.000001"

static uint32_t schema_id(const bv_schemas *t, const bv_schema *s)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (t->v[i] == s)
            return i;
    fprintf(stderr, "decoded row event refers to a schema not in the table\n");
    abort();
}

/* Touch everything a decoded schema exposes (ASan checks the pointers). */
static size_t walk_schema(const bv_schema *s)
{
    size_t sum = bv_schema_database(s).len + bv_schema_table(s).len;
    sum += strlen(bv_schema_database(s).ptr) + strlen(bv_schema_table(s).ptr);
    for (uint32_t i = 0; i < bv_schema_ncols(s); i++) {
        const bv_column *c = bv_schema_column(s, i);
        FUZZ_CHECK(c != NULL);
        sum += strlen(c->name.ptr) + strlen(c->type_name.ptr);
        for (uint32_t m = 0; m < c->nmembers; m++)
            sum += c->members[m].len + (size_t)(c->members[m].ptr[c->members[m].len] == 0);
    }
    for (uint32_t i = 0; i < bv_schema_pk_count(s); i++) {
        FUZZ_CHECK(bv_schema_pk_column(s, i) < bv_schema_ncols(s));
        sum += bv_schema_pk_prefix(s, i);
    }
    FUZZ_CHECK(bv_schema_column(s, bv_schema_ncols(s)) == NULL);
    FUZZ_CHECK(bv_schema_hash(s) == bv_xxh64(bv_schema_encoding(s)->data, bv_schema_encoding(s)->len));
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bv_schemas schemas;
    bv_rec_ctx ctx, ctx2;
    bv_buf enc, enc2;
    bv_walk wk;
    char file[BV_MAX_NAME + 1] = START_FILE;
    size_t file_len = strlen(START_FILE);
    bv_str start = {START_FILE, strlen(START_FILE)}, nogtid = {"", 0};
    volatile size_t sink = 0;

    bv_schemas_init(&schemas);
    memset(&ctx, 0, sizeof(ctx));
    memset(&ctx2, 0, sizeof(ctx2));
    ctx.schemas = ctx2.schemas = &schemas;
    bv_buf_init(&enc);
    bv_buf_init(&enc2);
    FUZZ_CHECK(bv_walk_init(&wk, start, 4, nogtid, NULL, 0) == BV_OK);

    bv_cur c = bv_cur_make(data, size);
    while (c.left) {
        bv_event ev;
        int is_schema;
        char msg[512] = "";
        const uint8_t *at = c.p;
        size_t left = c.left;
        uint32_t nschemas = schemas.n;
        ctx.file = file;
        ctx.file_len = file_len;
        int rc = bv_record_decode(&c, &ctx, &ev, &is_schema, msg, sizeof(msg));
        FUZZ_CHECK(strlen(msg) < sizeof(msg));
        if (rc != BV_OK) {
            FUZZ_CHECK(rc < 0);
            /* A failed decode leaves the cursor where it was (regression:
             * corpus/records/crash-unknown-type-cursor). */
            FUZZ_CHECK(c.p == at && c.left == left);
            FUZZ_CHECK(schemas.n == nschemas);
            break;
        }
        size_t used = left - c.left;
        FUZZ_CHECK(used > 0 && used <= left && c.p == at + used);

        if (is_schema) {
            FUZZ_CHECK(schemas.n == nschemas + 1);
            const bv_schema *s = schemas.v[schemas.n - 1];
            sink += walk_schema(s);
            bv_buf_reset(&enc);
            bv_record_encode_schema(&enc, schemas.n - 1, s);
            FUZZ_CHECK(bv_buf_status(&enc) == BV_OK);
            FUZZ_CHECK(enc.len == used && memcmp(enc.data, at, used) == 0);
            continue;
        }
        FUZZ_CHECK(schemas.n == nschemas);
        FUZZ_CHECK(ev.type >= 1 && ev.type <= BV_EV_TYPE_MAX);
        FUZZ_CHECK(ev.pos.file.ptr == file && ev.pos.file.len == file_len);

        uint32_t sid = 0;
        if (ev.type == BV_EV_INSERT || ev.type == BV_EV_UPDATE || ev.type == BV_EV_DELETE) {
            sid = schema_id(&schemas, ev.schema);
            FUZZ_CHECK(ev.ncols == bv_schema_ncols(ev.schema));
            FUZZ_CHECK(ev.ncols == 0 || (ev.before != NULL) == (ev.type != BV_EV_INSERT));
            FUZZ_CHECK(ev.ncols == 0 || (ev.after != NULL) == (ev.type != BV_EV_DELETE));
            for (uint32_t i = 0; i < ev.ncols; i++) {
                if (ev.before)
                    FUZZ_CHECK(ev.before[i].kind <= BV_VAL_KIND_MAX);
                if (ev.after)
                    FUZZ_CHECK(ev.after[i].kind <= BV_VAL_KIND_MAX);
            }
        }

        /* canonical: encode(decode(bytes)) == bytes */
        bv_buf_reset(&enc);
        FUZZ_CHECK(bv_record_encode(&enc, &ev, sid) == BV_OK);
        if (enc.len != used || memcmp(enc.data, at, used) != 0) {
            fprintf(stderr, "%s record at payload byte %zu: %zu bytes re-encode to %zu different bytes\n",
                    bv_event_type_name(ev.type), (size_t)(at - data), used, enc.len);
            abort();
        }
        /* decode(encode(ev)) encodes to the same bytes again */
        bv_cur c2 = bv_cur_make(enc.data, enc.len);
        bv_event ev2;
        int is2;
        ctx2.file = file;
        ctx2.file_len = file_len;
        FUZZ_CHECK(bv_record_decode(&c2, &ctx2, &ev2, &is2, NULL, 0) == BV_OK);
        FUZZ_CHECK(!is2 && c2.left == 0 && ev2.type == ev.type);
        bv_buf_reset(&enc2);
        FUZZ_CHECK(bv_record_encode(&enc2, &ev2, sid) == BV_OK);
        FUZZ_CHECK(enc2.len == enc.len && memcmp(enc2.data, enc.data, enc.len) == 0);

        /* stream rules, as verify applies them */
        (void)bv_walk_event(&wk, &ev, msg, sizeof(msg));
        FUZZ_CHECK(strlen(msg) < sizeof(msg));

        if (ev.type == BV_EV_ROTATE) {
            FUZZ_CHECK(ev.new_file.len > 0 && ev.new_file.len <= BV_MAX_NAME);
            memcpy(file, ev.new_file.ptr, ev.new_file.len);
            file[ev.new_file.len] = 0;
            file_len = ev.new_file.len;
        }
    }
    char *gt = bv_walk_gtid_text(&wk, NULL);
    FUZZ_CHECK(gt != NULL);
    sink += strlen(gt);
    free(gt);
    (void)sink;

    bv_walk_release(&wk);
    bv_buf_release(&enc);
    bv_buf_release(&enc2);
    bv_rec_ctx_release(&ctx);
    bv_rec_ctx_release(&ctx2);
    bv_schemas_release(&schemas);
    return 0;
}
