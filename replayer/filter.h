/* Maxwell's filter syntax (--filter): a comma-separated list of rules
 *   include: DB.TABLE     exclude: DB.TABLE     blacklist: DB.TABLE
 *   include: DB.TABLE.COLUMN=VALUE   (and exclude: with a column)
 * where each name is a word, `quoted`, * (anything) or /regex/ (POSIX
 * extended, unanchored). Every row starts included; each rule that matches
 * sets the outcome (included for include:, excluded otherwise); the last
 * matching rule wins. A column rule matches only rows that have the column,
 * when the value's text matches (* also matches NULL; null matches NULL). */
#ifndef BV_FILTER_H
#define BV_FILTER_H

#include <stddef.h>

#include "binvault/event.h"

typedef struct bv_filter bv_filter;

/* Parse text; on error returns NULL with a message naming the rule. The
 * caller owns the filter (bv_filter_free accepts NULL). */
bv_filter *bv_filter_parse(const char *text, char *err, size_t errlen);
void bv_filter_free(bv_filter *f);

/* 1 when a row event of this table passes (column rules see its values). */
int bv_filter_row(const bv_filter *f, const bv_event *ev);
/* 1 when DDL on database db (table unknown: "") passes the table rules. */
int bv_filter_ddl(const bv_filter *f, const char *db, size_t dblen);

/* --exclude-columns: comma-separated names or /regex/ (whole-name match). */
typedef struct bv_colset bv_colset;
bv_colset *bv_colset_parse(const char *text, char *err, size_t errlen);
void bv_colset_free(bv_colset *c);
int bv_colset_has(void *colset, const char *name, size_t len); /* fits bv_mx_opts.exclude */

#endif
