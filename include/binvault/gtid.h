/* binvault — GTID sets (MySQL uuid[:tag]:intervals, MariaDB domain-server-seq). */
#ifndef BINVAULT_GTID_H
#define BINVAULT_GTID_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A set of executed GTIDs. A set holds one flavor: MySQL sets map
 * (uuid, tag) to sorted disjoint gno intervals; MariaDB sets map a domain to
 * the last (server_id, seq) seen in it, as @@gtid_binlog_pos does. */
typedef struct bv_gtid_set bv_gtid_set;

/* New empty set, or NULL on allocation failure. Free with bv_gtid_set_free(). */
bv_gtid_set *bv_gtid_set_new(void);
void bv_gtid_set_free(bv_gtid_set *s); /* accepts NULL */

/* Replace the contents of s with the parsed text. Accepted forms:
 * "" (empty), MySQL "uuid:1-5:7,uuid2:tag:3" (whitespace and newlines
 * after commas allowed), MariaDB "0-1-100,1-2-5". On error s is unchanged. */
int bv_gtid_set_parse(bv_gtid_set *s, const char *text, size_t len, char *err, size_t errlen);

/* Add one GTID. Mixing flavors is BV_E_INVAL. */
int bv_gtid_set_add(bv_gtid_set *s, const bv_gtid *g, char *err, size_t errlen);

/* 1 if g is in s (MariaDB: seq <= the domain's last seq), else 0. */
int bv_gtid_set_contains(const bv_gtid_set *s, const bv_gtid *g);

/* Copy src into dst (dst's old contents are dropped). */
int bv_gtid_set_copy(bv_gtid_set *dst, const bv_gtid_set *src);

/* 1 when both sets hold the same GTIDs. */
int bv_gtid_set_equal(const bv_gtid_set *a, const bv_gtid_set *b);

int bv_gtid_set_is_empty(const bv_gtid_set *s);
bv_gtid_flavor bv_gtid_set_flavor(const bv_gtid_set *s);

/* Canonical text (sorted by uuid/tag or domain, intervals merged) into buf,
 * always NUL-terminated when len > 0. Returns the length needed, excluding
 * the NUL; call with len 0 to measure. */
size_t bv_gtid_set_format(const bv_gtid_set *s, char *buf, size_t len);

/* 1 when g can be stored: a known flavor; MySQL gno >= 1 and an empty or
 * valid tag ([A-Za-z_][A-Za-z0-9_]{0,31}). */
int bv_gtid_valid(const bv_gtid *g);

/* Parse a single GTID ("uuid:n", "uuid:tag:n" or "d-s-n"). */
int bv_gtid_parse(bv_gtid *g, const char *text, size_t len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
