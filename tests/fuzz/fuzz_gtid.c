/* Fuzz target: GTID text parsers (format/gtid.c).
 *
 * Input: GTID set text, optionally followed by '|' and a single GTID
 * (without '|', the whole input is also tried as a single GTID).
 *   - bv_gtid_set_parse() on the set text; when it succeeds the set is
 *     formatted, the text parsed again, and the two sets must be equal and
 *     format to the same text; a copy must be equal too.
 *   - bv_gtid_parse() on the GTID text; when it succeeds the GTID is
 *     formatted and parsed again to the same value; when it can be added to
 *     the set, the set must then contain it (and still round-trip).
 */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

FUZZ_UBSAN_DEFAULTS

static char *format_set(const bv_gtid_set *s, size_t *len)
{
    size_t n = bv_gtid_set_format(s, NULL, 0);
    char *buf = malloc(n + 1);
    FUZZ_CHECK(buf != NULL);
    size_t m = bv_gtid_set_format(s, buf, n + 1);
    FUZZ_CHECK(m == n);
    FUZZ_CHECK(strlen(buf) == n);
    /* A short buffer truncates but stays NUL-terminated. */
    if (n > 2) {
        char small[3];
        FUZZ_CHECK(bv_gtid_set_format(s, small, sizeof(small)) == n);
        FUZZ_CHECK(small[2] == 0 && memcmp(small, buf, 2) == 0);
    }
    *len = n;
    return buf;
}

/* format(s) parses back to an equal set that formats to the same text. */
static void check_set_round_trip(const bv_gtid_set *s)
{
    size_t n, n2;
    char *text = format_set(s, &n);
    bv_gtid_set *t = bv_gtid_set_new();
    FUZZ_CHECK(t != NULL);
    char err[256];
    if (bv_gtid_set_parse(t, text, n, err, sizeof(err)) != BV_OK) {
        fprintf(stderr, "formatted set does not parse: '%s': %s\n", text, err);
        abort();
    }
    FUZZ_CHECK(bv_gtid_set_equal(s, t));
    FUZZ_CHECK(bv_gtid_set_equal(t, s));
    FUZZ_CHECK(bv_gtid_set_is_empty(s) == bv_gtid_set_is_empty(t));
    if (!bv_gtid_set_is_empty(s))
        FUZZ_CHECK(bv_gtid_set_flavor(s) == bv_gtid_set_flavor(t));
    char *text2 = format_set(t, &n2);
    FUZZ_CHECK(n == n2 && memcmp(text, text2, n) == 0);
    free(text2);
    free(text);
    bv_gtid_set_free(t);
}

static void check_gtid_round_trip(const bv_gtid *g)
{
    char buf[128];
    size_t n = bv_gtid_format(g, buf, sizeof(buf));
    FUZZ_CHECK(n < sizeof(buf));
    bv_gtid h;
    FUZZ_CHECK(bv_gtid_parse(&h, buf, n, NULL, 0) == BV_OK);
    FUZZ_CHECK(memcmp(g, &h, sizeof(h)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const uint8_t *bar = memchr(data, '|', size);
    size_t set_len = bar ? (size_t)(bar - data) : size;
    const char *gtext = bar ? (const char *)bar + 1 : text;
    size_t glen = bar ? size - set_len - 1 : size;
    char err[512] = "";

    bv_gtid_set *s = bv_gtid_set_new();
    FUZZ_CHECK(s != NULL);
    int set_ok = bv_gtid_set_parse(s, text, set_len, err, sizeof(err)) == BV_OK;
    FUZZ_CHECK(strlen(err) < sizeof(err));
    if (set_ok) {
        check_set_round_trip(s);
        bv_gtid_set *c = bv_gtid_set_new();
        FUZZ_CHECK(c != NULL);
        FUZZ_CHECK(bv_gtid_set_copy(c, s) == BV_OK);
        FUZZ_CHECK(bv_gtid_set_equal(c, s));
        bv_gtid_set_free(c);
    } else {
        /* A failed parse leaves the set unchanged (here: empty). */
        FUZZ_CHECK(bv_gtid_set_is_empty(s));
    }

    bv_gtid g;
    if (bv_gtid_parse(&g, gtext, glen, err, sizeof(err)) == BV_OK) {
        FUZZ_CHECK(g.flavor == BV_GTID_MYSQL || g.flavor == BV_GTID_MARIADB);
        FUZZ_CHECK(memchr(g.tag, 0, sizeof(g.tag)) != NULL);
        check_gtid_round_trip(&g);
        if (bv_gtid_set_add(s, &g, NULL, 0) == BV_OK) {
            FUZZ_CHECK(bv_gtid_set_contains(s, &g));
            FUZZ_CHECK(bv_gtid_set_flavor(s) == g.flavor);
            check_set_round_trip(s);
        } else {
            /* only a flavor mismatch can make adding a parsed GTID fail */
            FUZZ_CHECK(bv_gtid_set_flavor(s) != g.flavor);
        }
    } else {
        FUZZ_CHECK(g.flavor == BV_GTID_NONE);
    }
    bv_gtid_set_free(s);
    return 0;
}
