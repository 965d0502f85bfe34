/* Archive directory scanning and locking (internal). */
#ifndef BV_ARCHIVE_DIR_H
#define BV_ARCHIVE_DIR_H

#include <stddef.h>
#include <stdint.h>

typedef struct bv_dir_entry {
    char name[320];
    uint64_t seq, offset;
    int sealed;
} bv_dir_entry;

typedef struct bv_dir_list {
    bv_dir_entry *e;
    size_t n;
    int removed_tmp;
} bv_dir_list;

/* List the segments of dir in archive order. Checks: every file is a
 * segment, LOCK, or (writer only, removed) a leftover *.tmp; sequence
 * numbers increase by one; only the newest segment may be open (.part). */
int bv_dir_scan(const char *dir, int writer, bv_dir_list *l, char *err, size_t errlen);
void bv_dir_list_release(bv_dir_list *l);

/* Create/open dir/LOCK and take an exclusive flock on it. */
int bv_dir_lock(const char *dir, unsigned mode, int *fd, char *err, size_t errlen);

#endif
