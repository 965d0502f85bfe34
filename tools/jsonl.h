/* JSON rendering of archive events for `binvault cat` (one object per line)
 * and the benchmarks' JSON-lines reference. */
#ifndef BV_JSONL_H
#define BV_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "binvault/event.h"
#include "bytes.h"

/* Append ev as one JSON object (no newline) to b. */
void bv_json_event(bv_buf *b, const bv_event *ev);
/* Append a JSON string literal; invalid UTF-8 bytes become \u00XX escapes
 * of their Latin-1 reading (lossy, display only). */
void bv_json_string(bv_buf *b, const char *p, size_t n);
/* Append character data in collation charset as a JSON string of its
 * Unicode text: latin1 collations are Windows-1252, 63 (binary) is base64,
 * everything else is taken as UTF-8 (invalid bytes escaped as above). */
void bv_json_text(bv_buf *b, const char *p, size_t n, uint32_t charset);
/* A SET value as a JSON array of its member names (bit i = member i of
 * column c; a bit without a named member is its number). */
void bv_json_set(bv_buf *b, uint64_t bits, const bv_column *c);
/* An image as {"column":value,...} in column order, ABSENT columns left
 * out, each value rendered by value(). */
typedef void (*bv_json_value_fn)(bv_buf *b, const bv_value *v, const bv_column *c);
void bv_json_image(bv_buf *b, const bv_event *ev, const bv_value *img, bv_json_value_fn value);
/* Append base64 (standard alphabet, padded) inside quotes. */
void bv_json_base64(bv_buf *b, const uint8_t *p, size_t n);
/* Format microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
void bv_json_time(char *out, size_t outlen, uint64_t us);

#endif
