/* Unit tests for GTIDs and GTID sets (include/binvault/gtid.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binvault/error.h"
#include "binvault/gtid.h"
#include "harness.h"

#define U1 "3E11FA47-71CA-11E1-9E33-C80AA9429562"
#define U1L "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2 "24da167f-0c20-11e6-b91c-0242ac110002"

static const uint8_t U1B[16] = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                                0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
static const uint8_t U2B[16] = {0x24, 0xda, 0x16, 0x7f, 0x0c, 0x20, 0x11, 0xe6,
                                0xb9, 0x1c, 0x02, 0x42, 0xac, 0x11, 0x00, 0x02};

static char fmtbuf[4096];

static const char *fmt(const bv_gtid_set *s)
{
    size_t n = bv_gtid_set_format(s, fmtbuf, sizeof(fmtbuf));
    if (n != strlen(fmtbuf))
        t_note("  format returned %zu for a %zu-char string", n, strlen(fmtbuf));
    return fmtbuf;
}

static int parse(bv_gtid_set *s, const char *text)
{
    return bv_gtid_set_parse(s, text, strlen(text), NULL, 0);
}

/* Parse text and compare the canonical format with want. */
static void parse_fmt(const char *text, const char *want)
{
    bv_gtid_set *s = bv_gtid_set_new();
    char err[200] = "";
    int rc = bv_gtid_set_parse(s, text, strlen(text), err, sizeof(err));
    if (!T_OK(rc == BV_OK, "parse \"%s\"", text))
        t_note("  rc %d: %s", rc, err);
    char what[600];
    snprintf(what, sizeof(what), "format of \"%s\"", text);
    T_EQ_STR(fmt(s), want, what);
    T_EQ_U64(bv_gtid_set_format(s, NULL, 0), strlen(want), "format with len 0 measures");
    /* the canonical text parses back to an equal set with the same text */
    bv_gtid_set *t = bv_gtid_set_new();
    T_OK(parse(t, want) == BV_OK && bv_gtid_set_equal(s, t), "canonical text \"%s\" re-parses to an equal set", want);
    bv_gtid_set_free(t);
    bv_gtid_set_free(s);
}

static bv_gtid my(const uint8_t *uuid, const char *tag, uint64_t seq)
{
    bv_gtid g;
    memset(&g, 0, sizeof(g));
    g.flavor = BV_GTID_MYSQL;
    memcpy(g.uuid, uuid, 16);
    snprintf(g.tag, sizeof(g.tag), "%s", tag);
    g.seq = seq;
    return g;
}

static bv_gtid ma(uint32_t domain, uint32_t server, uint64_t seq)
{
    bv_gtid g;
    memset(&g, 0, sizeof(g));
    g.flavor = BV_GTID_MARIADB;
    g.domain = domain;
    g.server_id = server;
    g.seq = seq;
    return g;
}

/* ------------------------------------------------------------ MySQL */

static void test_mysql_sets(void)
{
    bv_gtid_set *s = bv_gtid_set_new();
    T_OK(s != NULL, "new set");
    T_OK(bv_gtid_set_is_empty(s) && bv_gtid_set_flavor(s) == BV_GTID_NONE, "new set is empty, no flavor");
    T_EQ_STR(fmt(s), "", "empty set formats as \"\"");

    const char *text = U1 ":1-5:7-9,  \n" U2 ":1-3";
    char err[200] = "";
    int rc = bv_gtid_set_parse(s, text, strlen(text), err, sizeof(err));
    if (!T_OK(rc == BV_OK, "parse two-uuid set with whitespace and newline"))
        t_note("  rc %d: %s", rc, err);
    T_EQ_INT(bv_gtid_set_flavor(s), BV_GTID_MYSQL, "flavor MySQL");
    T_OK(!bv_gtid_set_is_empty(s), "not empty");
    T_EQ_STR(fmt(s), U2 ":1-3," U1L ":1-5:7-9", "canonical: lowercase, sorted by uuid");

    bv_gtid g = my(U1B, "", 5);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "contains U1:5");
    g.seq = 6;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "does not contain U1:6 (gap)");
    g.seq = 7;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "contains U1:7");
    g.seq = 10;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "does not contain U1:10");
    g.seq = 0;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "does not contain U1:0");
    g = my(U2B, "", 3);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "contains U2:3");
    g.seq = 4;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "does not contain U2:4");
    static const uint8_t u3[16] = {0xff};
    g = my(u3, "", 1);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "does not contain an unknown uuid");
    g = ma(0, 1, 1);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "MariaDB GTID is never in a MySQL set");

    /* adding 6 merges 1-5 and 7-9 */
    g = my(U1B, "", 6);
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_OK, "add U1:6");
    T_EQ_STR(fmt(s), U2 ":1-3," U1L ":1-9", "1-5:7-9 + 6 = 1-9");
    g.seq = 11;
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_OK, "add U1:11");
    T_EQ_STR(fmt(s), U2 ":1-3," U1L ":1-9:11", "single gno formats without a dash");
    g.seq = 10;
    bv_gtid_set_add(s, &g, NULL, 0);
    T_EQ_STR(fmt(s), U2 ":1-3," U1L ":1-11", "+10 merges 1-9 and 11");
    g.seq = 3;
    bv_gtid_set_add(s, &g, NULL, 0);
    T_EQ_STR(fmt(s), U2 ":1-3," U1L ":1-11", "adding an existing gno changes nothing");
    g = my(u3, "", 1);
    bv_gtid_set_add(s, &g, NULL, 0);
    T_EQ_STR(fmt(s), U2 ":1-3," U1L ":1-11,ff000000-0000-0000-0000-000000000000:1", "new uuid sorted last");
    g = my(U1B, "", 0);
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_E_INVAL, "add gno 0: INVAL");
    g = ma(0, 1, 1);
    err[0] = 0;
    T_EQ_INT(bv_gtid_set_add(s, &g, err, sizeof(err)), BV_E_INVAL, "add MariaDB GTID to a MySQL set: INVAL");
    T_OK(err[0] != 0, "mixing error has a message");
    T_EQ_STR(fmt(s), U2 ":1-3," U1L ":1-11,ff000000-0000-0000-0000-000000000000:1", "set unchanged by refused adds");
    g.flavor = 7;
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_E_INVAL, "add flavor 7: INVAL");
    g.flavor = BV_GTID_NONE;
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_OK, "add a NONE GTID is a no-op");

    /* copy and equal */
    bv_gtid_set *c = bv_gtid_set_new();
    parse(c, "0-1-2"); /* replaced by the copy */
    T_EQ_INT(bv_gtid_set_copy(c, s), BV_OK, "copy");
    T_OK(bv_gtid_set_equal(c, s) && bv_gtid_set_equal(s, c), "copy is equal");
    char a[512];
    snprintf(a, sizeof(a), "%s", fmt(s));
    T_EQ_STR(fmt(c), a, "copy formats the same");
    T_EQ_INT(bv_gtid_set_flavor(c), BV_GTID_MYSQL, "copy flavor");
    g = my(U2B, "", 100);
    bv_gtid_set_add(c, &g, NULL, 0);
    T_OK(!bv_gtid_set_equal(c, s), "after adding to the copy: not equal");
    T_EQ_STR(fmt(s), a, "original unchanged by adding to the copy");
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "original does not contain the copy's new GTID");

    /* equal: same GTIDs from differently written texts */
    bv_gtid_set *x = bv_gtid_set_new(), *y = bv_gtid_set_new();
    parse(x, U1 ":1-3:4-6," U2 ":7");
    parse(y, U2 ":7,3e11fa4771ca11e19e33c80aa9429562:6:1-5");
    T_OK(bv_gtid_set_equal(x, y), "equal for different spellings of the same set");
    parse(y, U2 ":7," U1 ":1-5");
    T_OK(!bv_gtid_set_equal(x, y), "not equal when one gno differs");
    parse(y, U2 ":7," U1 ":1-6," U1 ":tag_a:1");
    T_OK(!bv_gtid_set_equal(x, y), "not equal with an extra tagged interval");
    bv_gtid_set *e1 = bv_gtid_set_new(), *e2 = bv_gtid_set_new();
    T_OK(bv_gtid_set_equal(e1, e2), "two empty sets are equal");
    T_OK(!bv_gtid_set_equal(e1, x), "empty vs non-empty: not equal");
    T_EQ_INT(bv_gtid_set_copy(x, e1), BV_OK, "copy an empty set over a full one");
    T_OK(bv_gtid_set_is_empty(x) && bv_gtid_set_equal(x, e1), "copied empty set is empty");
    bv_gtid_set_free(e1);
    bv_gtid_set_free(e2);
    bv_gtid_set_free(x);
    bv_gtid_set_free(y);
    bv_gtid_set_free(c);

    /* parse replaces the contents */
    T_EQ_INT(parse(s, ""), BV_OK, "parse \"\"");
    T_OK(bv_gtid_set_is_empty(s) && bv_gtid_set_flavor(s) == BV_GTID_NONE, "parse \"\" empties the set");
    T_EQ_INT(parse(s, " ,\n\t, "), BV_OK, "parse whitespace and commas only");
    T_OK(bv_gtid_set_is_empty(s), "still empty");
    bv_gtid_set_free(s);

    /* interval normalisation */
    parse_fmt(U1 ":7-9:1-5:3", U1L ":1-5:7-9");
    parse_fmt(U1 ":1-5:3-8", U1L ":1-8");
    parse_fmt(U1 ":1-5:6-8", U1L ":1-8");
    parse_fmt(U1 ":10-20:1-30", U1L ":1-30");
    parse_fmt(U1 ":5:4:3:2:1", U1L ":1-5");
    parse_fmt(U1 ":1," U1 ":2", U1L ":1-2");
    parse_fmt(U1 ":1-18446744073709551615", U1L ":1-18446744073709551615");
    parse_fmt(U1 ":18446744073709551615:1-18446744073709551614", U1L ":1-18446744073709551615");
    parse_fmt(U1 ":1:3:5:7:9:11:13:15:17:19:21:23:25:27:29:31:2", U1L ":1-3:5:7:9:11:13:15:17:19:21:23:25:27:29:31");
    parse_fmt("3e11fa4771ca11e19e33c80aa9429562:1", U1L ":1");

    /* many single adds in a scattered order collapse to one interval */
    s = bv_gtid_set_new();
    int ok = 1;
    for (uint64_t i = 1; i <= 10000 && ok; i += 2)
        ok = bv_gtid_set_add(s, &(bv_gtid){.flavor = BV_GTID_MYSQL, .seq = 10001 - i}, NULL, 0) == BV_OK;
    /* uuid (36) + 5000 ':' + digits of 2..10000 step 2 (4*1 + 45*2 + 450*3 + 4500*4 + 5) */
    T_EQ_U64(bv_gtid_set_format(s, NULL, 0), 36 + 5000 + 4 + 90 + 1350 + 18000 + 5,
             "5000 disjoint even gnos: 5000 separate intervals");
    for (uint64_t i = 1; i <= 10000 && ok; i += 2)
        ok = bv_gtid_set_add(s, &(bv_gtid){.flavor = BV_GTID_MYSQL, .seq = i}, NULL, 0) == BV_OK;
    T_OK(ok, "10000 adds");
    T_EQ_STR(fmt(s), "00000000-0000-0000-0000-000000000000:1-10000", "even (descending) then odd gnos merge to 1-10000");
    bv_gtid_set_free(s);
}

static void test_tags(void)
{
    parse_fmt(U1 ":tag_a:1-3", U1L ":tag_a:1-3");
    parse_fmt(U1 ":1-5:tag_a:1-3", U1L ":1-5:tag_a:1-3");
    parse_fmt(U1 ":tag_a:1-3," U1 ":1-5", U1L ":1-5:tag_a:1-3");
    parse_fmt(U1 ":tag_b:1," U1 ":tag_a:2", U1L ":tag_a:2:tag_b:1");
    parse_fmt(U1 ":tag_a:1:tag_b:2:tag_a:3", U1L ":tag_a:1:3:tag_b:2");
    parse_fmt(U2 ":x:1," U1 ":1", U2 ":x:1," U1L ":1");
    parse_fmt(U1 ":_:1", U1L ":_:1");

    bv_gtid_set *s = bv_gtid_set_new();
    T_EQ_INT(parse(s, U1 ":1-5:tag_a:1-3"), BV_OK, "parse tagged and untagged");
    bv_gtid g = my(U1B, "", 2);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "untagged 2 in set");
    g.seq = 5;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "untagged 5 in set");
    g = my(U1B, "tag_a", 2);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "tag_a:2 in set");
    g.seq = 4;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "tag_a:4 not in set (untagged 4 is)");
    g = my(U1B, "tag_b", 1);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "tag_b:1 not in set");
    g = my(U1B, "tag_a", 4);
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_OK, "add tag_a:4");
    T_EQ_STR(fmt(s), U1L ":1-5:tag_a:1-4", "tag_a grows, untagged unchanged");
    g = my(U1B, "", 6);
    bv_gtid_set_add(s, &g, NULL, 0);
    T_EQ_STR(fmt(s), U1L ":1-6:tag_a:1-4", "untagged grows, tag_a unchanged");

    /* tags are case-insensitive in MySQL and shown in lowercase:
     * "3E11FA47-...:Domain_1:1-3:15-21, 3E11FA47-...:Domain_2:8-52" shows as
     * "3e11fa47-...:domain_1:1-3:15-21:domain_2:8-52" (MySQL bug #116789). */
    parse_fmt(U1 ":Domain_1:1-3:15-21, " U1 ":Domain_2:8-52", U1L ":domain_1:1-3:15-21:domain_2:8-52");
    parse_fmt(U1 ":TAG_A:1," U1 ":tag_a:2", U1L ":tag_a:1-2");
    T_EQ_INT(parse(s, U1 ":Tag_A:1-3"), BV_OK, "parse Tag_A");
    g = my(U1B, "tag_a", 2);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "Tag_A:1-3 contains tag_a:2 (same tag)");
    bv_gtid_set_free(s);
}

/* ------------------------------------------------------------ MariaDB */

static void test_mariadb_sets(void)
{
    parse_fmt("0-1-100,1-2-5", "0-1-100,1-2-5");
    parse_fmt("1-2-5, 0-1-100", "0-1-100,1-2-5");
    parse_fmt("4294967295-4294967295-18446744073709551615", "4294967295-4294967295-18446744073709551615");
    parse_fmt("0-0-0", "0-0-0");

    bv_gtid_set *s = bv_gtid_set_new();
    T_EQ_INT(parse(s, "0-1-100,1-2-5"), BV_OK, "parse MariaDB set");
    T_EQ_INT(bv_gtid_set_flavor(s), BV_GTID_MARIADB, "flavor MariaDB");
    bv_gtid g = ma(0, 1, 100);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "contains 0-1-100");
    g.seq = 99;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "contains 0-1-99 (seq <= last)");
    g.seq = 1;
    g.server_id = 77;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "contains 0-77-1 (any server, seq <= last)");
    g.seq = 101;
    g.server_id = 1;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "does not contain 0-1-101");
    g = ma(1, 2, 5);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "contains 1-2-5");
    g.seq = 6;
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "does not contain 1-2-6");
    g = ma(2, 1, 0);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "unknown domain 2: not contained");
    g = my(U1B, "", 1);
    T_EQ_INT(bv_gtid_set_contains(s, &g), 0, "MySQL GTID never in a MariaDB set");

    g = ma(0, 3, 200);
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_OK, "add 0-3-200");
    T_EQ_STR(fmt(s), "0-3-200,1-2-5", "add updates domain 0 (server and seq)");
    g = ma(5, 1, 1);
    bv_gtid_set_add(s, &g, NULL, 0);
    T_EQ_STR(fmt(s), "0-3-200,1-2-5,5-1-1", "add creates domain 5, sorted");
    g = ma(3, 9, 9);
    bv_gtid_set_add(s, &g, NULL, 0);
    T_EQ_STR(fmt(s), "0-3-200,1-2-5,3-9-9,5-1-1", "domain 3 inserted in order");
    g = my(U1B, "", 1);
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_E_INVAL, "add MySQL GTID to a MariaDB set: INVAL");
    T_EQ_STR(fmt(s), "0-3-200,1-2-5,3-9-9,5-1-1", "unchanged after refused add");

    bv_gtid_set *c = bv_gtid_set_new();
    T_EQ_INT(bv_gtid_set_copy(c, s), BV_OK, "copy MariaDB set");
    T_OK(bv_gtid_set_equal(c, s), "copy equal");
    T_EQ_STR(fmt(c), "0-3-200,1-2-5,3-9-9,5-1-1", "copy formats the same");
    g = ma(1, 2, 6);
    bv_gtid_set_add(c, &g, NULL, 0);
    T_OK(!bv_gtid_set_equal(c, s), "copy with 1-2-6: not equal");
    g = ma(1, 2, 5);
    bv_gtid_set_add(c, &g, NULL, 0);
    T_OK(bv_gtid_set_equal(c, s), "back to 1-2-5: equal again");
    g = ma(1, 3, 5);
    bv_gtid_set_add(c, &g, NULL, 0);
    T_OK(!bv_gtid_set_equal(c, s), "same seq, other server: not equal");

    /* a MySQL set and a MariaDB set are never equal */
    bv_gtid_set *m = bv_gtid_set_new();
    parse(m, U1 ":1");
    T_OK(!bv_gtid_set_equal(m, s), "MySQL set != MariaDB set");
    bv_gtid_set_free(m);
    bv_gtid_set_free(c);
    bv_gtid_set_free(s);
}

/* ------------------------------------------------------------ invalid texts */

static void test_invalid(void)
{
    static const char *bad[] = {
        "abc",
        U1 ":0",
        U1 ":0-3",
        U1 ":5-3",
        "0-1",
        "0-1-2,0-3-4",
        "0-1-2,1-1-1,0-1-2",
        "3E11FA47-71CA-11E1-9E33-C80AA94295620:1", /* 37 chars */
        "3E11FA47-71CA-11E1-9E33-C80AA942956:1",   /* 35 chars */
        "3E11FA47+71CA-11E1-9E33-C80AA9429562:1",  /* bad separator */
        "3E11FA47-71CA-11E1-9E33-C80AA942956G:1",  /* non-hex */
        U1,
        U1 ":",
        U1 ":1-",
        U1 ":-5",
        U1 ":1:",
        U1 "::1",
        U1 ":1-2-3",
        U1 ":1 2",
        U1 ":18446744073709551616",
        U1 ":1-18446744073709551616",
        U1 ":99999999999999999999999",
        U1 ":tag_a",
        U1 ":1tag:1",
        U1 ":tag-x:1",
        U1 ":abcdefghijklmnopqrstuvwxyz0123456:1", /* 33-char tag */
        U1 " :1",
        U1 ":1," "0-1-2",
        "0-1-2," U1 ":1",
        "4294967296-1-1",
        "0-4294967296-1",
        "0-1-18446744073709551616",
        "0-1-2-3",
        "0-1-x",
        "-1-2",
        "0--2",
        "0-1-",
        "0 -1-2",
    };
    bv_gtid_set *s = bv_gtid_set_new();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        T_EQ_INT(parse(s, U2 ":1-3"), BV_OK, "reset set");
        char err[300] = "";
        int rc = bv_gtid_set_parse(s, bad[i], strlen(bad[i]), err, sizeof(err));
        if (!T_OK(rc == BV_E_INVAL, "invalid set \"%s\": INVAL", bad[i]))
            t_note("  rc %d, set now \"%s\"", rc, fmt(s));
        T_OK(rc == BV_OK || err[0] != 0, "invalid set \"%s\": error message", bad[i]);
        T_EQ_STR(fmt(s), U2 ":1-3", "set unchanged after a failed parse");
    }
    /* a 33-char tag is refused, a 32-char one accepted */
    T_EQ_INT(parse(s, U1 ":abcdefghijklmnopqrstuvwxyz012345:1"), BV_OK, "32-char tag accepted");
    T_EQ_STR(fmt(s), U1L ":abcdefghijklmnopqrstuvwxyz012345:1", "32-char tag formats");
    /* text with an embedded NUL: the length is what counts */
    T_EQ_INT(bv_gtid_set_parse(s, "0-1-2\0" "0-1-3", 11, NULL, 0), BV_E_INVAL, "embedded NUL: INVAL");
    bv_gtid_set_free(s);
}

/* ------------------------------------------------------------ single GTIDs */

static void test_single(void)
{
    bv_gtid g;
    char err[200] = "";
    const char *t = U1 ":23";
    int rc = bv_gtid_parse(&g, t, strlen(t), err, sizeof(err));
    if (!T_OK(rc == BV_OK, "parse MySQL GTID"))
        t_note("  %s", err);
    T_EQ_U64(g.flavor, BV_GTID_MYSQL, "flavor");
    T_OK(memcmp(g.uuid, U1B, 16) == 0, "uuid bytes");
    T_EQ_STR(g.tag, "", "no tag");
    T_EQ_U64(g.seq, 23, "gno 23");
    char buf[128];
    T_EQ_U64(bv_gtid_format(&g, buf, sizeof(buf)), strlen(U1L ":23"), "format length");
    T_EQ_STR(buf, U1L ":23", "format MySQL GTID (lowercase)");

    t = U1 ":tag_1:18446744073709551615";
    rc = bv_gtid_parse(&g, t, strlen(t), NULL, 0);
    T_EQ_INT(rc, BV_OK, "parse tagged GTID");
    T_EQ_STR(g.tag, "tag_1", "tag");
    T_EQ_U64(g.seq, UINT64_MAX, "gno UINT64_MAX");
    bv_gtid_format(&g, buf, sizeof(buf));
    T_EQ_STR(buf, U1L ":tag_1:18446744073709551615", "format tagged GTID");

    t = "0-1-100";
    rc = bv_gtid_parse(&g, t, strlen(t), NULL, 0);
    T_EQ_INT(rc, BV_OK, "parse MariaDB GTID");
    T_OK(g.flavor == BV_GTID_MARIADB && g.domain == 0 && g.server_id == 1 && g.seq == 100, "0-1-100 fields");
    T_EQ_U64(bv_gtid_format(&g, buf, sizeof(buf)), 7, "format length 7");
    T_EQ_STR(buf, "0-1-100", "format MariaDB GTID");
    t = "4294967295-4294967295-18446744073709551615";
    T_OK(bv_gtid_parse(&g, t, strlen(t), NULL, 0) == BV_OK && g.domain == UINT32_MAX && g.server_id == UINT32_MAX &&
             g.seq == UINT64_MAX,
         "MariaDB GTID at the limits");

    t = U1 ":TAG_1:5";
    rc = bv_gtid_parse(&g, t, strlen(t), NULL, 0);
    T_OK(rc == BV_OK && strcmp(g.tag, "tag_1") == 0, "tag TAG_1 is normalised to lowercase \"tag_1\" (got \"%s\")",
         rc == BV_OK ? g.tag : "");

    static const char *bad[] = {
        "",       U1,          U1 ":",        U1 ":0",      U1 "::5",       U1 ":1-5",  U1 ":tag:x:5",
        U1 ":9tag:5", U1 ":5:",  "0-1",         "0-1-2-3",     "0-1-x",         "abc",      "4294967296-0-1",
        "3E11FA47-71CA-11E1-9E33-C80AA94295620:1", U1 ":18446744073709551616",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&g, 0x5a, sizeof(g));
        err[0] = 0;
        rc = bv_gtid_parse(&g, bad[i], strlen(bad[i]), err, sizeof(err));
        T_OK(rc == BV_E_INVAL && g.flavor == BV_GTID_NONE && err[0] != 0, "invalid GTID \"%s\": INVAL, g cleared",
             bad[i]);
    }

    /* format: NONE and truncation */
    memset(&g, 0, sizeof(g));
    buf[0] = 'x';
    T_EQ_U64(bv_gtid_format(&g, buf, sizeof(buf)), 0, "NONE formats to length 0");
    T_EQ_STR(buf, "", "NONE formats to \"\"");
    g = my(U1B, "", 23);
    char small[10];
    T_EQ_U64(bv_gtid_format(&g, small, sizeof(small)), strlen(U1L ":23"), "truncated format returns full length");
    T_EQ_STR(small, "3e11fa47-", "truncated format is NUL-terminated");
    T_EQ_U64(bv_gtid_format(&g, NULL, 0), strlen(U1L ":23"), "format with len 0 measures");

    bv_gtid_set *s = bv_gtid_set_new();
    parse(s, U2 ":1-3," U1 ":1-5:7-9");
    size_t full = bv_gtid_set_format(s, NULL, 0);
    T_EQ_U64(full, strlen(U2 ":1-3," U1L ":1-5:7-9"), "set format measures");
    char five[5];
    T_EQ_U64(bv_gtid_set_format(s, five, sizeof(five)), full, "truncated set format returns full length");
    T_EQ_STR(five, "24da", "truncated set format NUL-terminated");
    bv_gtid_set_free(s);

    /* parsed GTIDs add to sets and are then contained */
    s = bv_gtid_set_new();
    t = U1 ":tag_1:7";
    bv_gtid_parse(&g, t, strlen(t), NULL, 0);
    T_EQ_INT(bv_gtid_set_add(s, &g, NULL, 0), BV_OK, "add parsed tagged GTID");
    T_EQ_STR(fmt(s), U1L ":tag_1:7", "set with one tagged GTID");
    T_EQ_INT(bv_gtid_set_contains(s, &g), 1, "contains it");
    bv_gtid_set_free(s);
    bv_gtid_set_free(NULL);
}

int main(void)
{
    test_mysql_sets();
    test_tags();
    test_mariadb_sets();
    test_invalid();
    test_single();
    return t_done();
}
