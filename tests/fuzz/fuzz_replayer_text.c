/* Fuzz target: the replayer's text parsers (no Kafka).
 *
 * Input: a selector byte, then the text (NUL-terminated copy).
 *   0: bv_rp_position_parse() (replayer/position.c), the checkpoint file and
 *      --exactly-once progress record reader. On success the file name is
 *      non-empty, fits, has no quote, and the position written back as
 *      {"file":"F","offset":N} parses to the same file and offset; with a
 *      buffer of exactly the name's length it must fail (no overflow).
 *      On failure the message is non-empty and file/offset are untouched.
 *   1: bv_filter_parse() (--filter, replayer/filter.c): a filter or NULL with
 *      a message.
 *   2: bv_colset_parse() (--exclude-columns): a set or NULL with a message;
 *      a set answers bv_colset_has() for a few names.
 */
#include <inttypes.h>
#include <string.h>

#include "filter.h"
#include "fuzz.h"
#include "position.h"

FUZZ_UBSAN_DEFAULTS

static void position(const char *text)
{
    char file[64], err[256] = "";
    memset(file, 'x', sizeof(file));
    uint64_t off = 7;
    int rc = bv_rp_position_parse(text, "fuzz", file, sizeof(file), &off, err, sizeof(err));
    if (rc != 0) {
        FUZZ_CHECK(err[0] != 0);
        FUZZ_CHECK(file[0] == 'x' && off == 7);
        return;
    }
    size_t n = strlen(file);
    FUZZ_CHECK(n > 0 && n < sizeof(file) && strchr(file, '"') == NULL);
    char again[160], f2[64];
    uint64_t o2 = 0;
    snprintf(again, sizeof(again), "{\"file\":\"%s\",\"offset\":%" PRIu64 "}", file, off);
    FUZZ_CHECK(bv_rp_position_parse(again, "fuzz", f2, sizeof(f2), &o2, err, sizeof(err)) == 0);
    FUZZ_CHECK(strcmp(f2, file) == 0 && o2 == off);
    char tight[64];
    FUZZ_CHECK(bv_rp_position_parse(again, "fuzz", tight, n, &o2, err, sizeof(err)) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *text = malloc(size);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    char err[256] = "";
    switch (data[0] % 3) {
    case 0: position(text); break;
    case 1: {
        bv_filter *f = bv_filter_parse(text, err, sizeof(err));
        FUZZ_CHECK(f != NULL || err[0] != 0);
        bv_filter_free(f);
        break;
    }
    default: {
        bv_colset *c = bv_colset_parse(text, err, sizeof(err));
        FUZZ_CHECK(c != NULL || err[0] != 0);
        if (c) {
            static const char *const names[] = {"id", "ID", "note", "", "a_b"};
            for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                (void)bv_colset_has(c, names[i], strlen(names[i]));
        }
        bv_colset_free(c);
        break;
    }
    }
    free(text);
    return 0;
}
