/* The replay position text shared by --checkpoint files and the progress
 * records of --exactly-once: a JSON object with at least
 * "file":"BINLOG-FILE" and "offset":N (the end of the last transaction
 * delivered). */
#ifndef BV_POSITION_H
#define BV_POSITION_H

#include <stddef.h>
#include <stdint.h>

/* Reads file (copied into file[filelen], NUL-terminated) and offset from
 * the NUL-terminated text. Binlog file names have no quotes or backslashes,
 * so no JSON unescaping is needed; a name that does not fit, an empty name
 * or a missing or non-numeric offset is BV_E_CORRUPT with a message naming
 * what (the checkpoint file or the progress topic). Nothing is allocated. */
int bv_rp_position_parse(const char *text, const char *what, char *file, size_t filelen, uint64_t *off, char *err,
                         size_t errlen);

#endif
