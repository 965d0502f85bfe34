/* Archive directory scanning and locking. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "archive_dir.h"
#include "internal.h"

void bv_dir_list_release(bv_dir_list *l)
{
    free(l->e);
    memset(l, 0, sizeof(*l));
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const bv_dir_entry *)a)->name, ((const bv_dir_entry *)b)->name);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int bv_dir_scan(const char *dir, int writer, bv_dir_list *l, char *err, size_t errlen)
{
    int rc = BV_OK;
    size_t cap = 0;
    memset(l, 0, sizeof(*l));
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        return bv_seterr(err, errlen, e == ENOENT ? BV_E_NOTFOUND : BV_E_IO, "%s: cannot open archive directory: %s",
                         dir, strerror(e));
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        uint64_t seq, off;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0 || strcmp(nm, "LOCK") == 0)
            continue;
        if (ends_with(nm, ".tmp")) {
            char base[320];
            size_t n = strlen(nm) - 4;
            if (n < sizeof(base)) {
                memcpy(base, nm, n);
                base[n] = 0;
            }
            if (n < sizeof(base) && bv_segment_name_parse(base, &seq, &off) >= 0) {
                if (writer) {
                    char path[4096];
                    snprintf(path, sizeof(path), "%s/%s", dir, nm);
                    if (unlink(path) != 0) {
                        rc = bv_seterr(err, errlen, BV_E_IO, "%s: cannot remove leftover temporary file: %s", path,
                                       strerror(errno));
                        goto out;
                    }
                    l->removed_tmp++;
                }
                continue;
            }
        }
        int kind = bv_segment_name_parse(nm, &seq, &off);
        if (kind < 0 || strlen(nm) >= sizeof(l->e[0].name)) {
            rc = bv_seterr(err, errlen, BV_E_CORRUPT, "%s/%s: unexpected file in archive directory (not a segment)",
                           dir, nm);
            goto out;
        }
        if (l->n == cap) {
            cap = cap ? cap * 2 : 64;
            bv_dir_entry *n = realloc(l->e, cap * sizeof(*n));
            if (!n) {
                rc = bv_seterr(err, errlen, BV_E_NOMEM, "out of memory");
                goto out;
            }
            l->e = n;
        }
        bv_dir_entry *e = &l->e[l->n++];
        snprintf(e->name, sizeof(e->name), "%s", nm);
        e->seq = seq;
        e->offset = off;
        e->sealed = kind == 1;
    }
    if (l->n > 1)
        qsort(l->e, l->n, sizeof(*l->e), cmp_entry);
    for (size_t i = 0; i < l->n; i++) {
        if (i && l->e[i].seq != l->e[i - 1].seq + 1) {
            rc = bv_seterr(err, errlen, BV_E_CORRUPT, "%s: segment %s follows %s: sequence numbers must increase by one",
                           dir, l->e[i].name, l->e[i - 1].name);
            goto out;
        }
        if (!l->e[i].sealed && i + 1 != l->n) {
            rc = bv_seterr(err, errlen, BV_E_CORRUPT, "%s/%s: an open segment that is not the newest", dir,
                           l->e[i].name);
            goto out;
        }
    }
out:
    closedir(d);
    if (rc != BV_OK)
        bv_dir_list_release(l);
    return rc;
}

int bv_dir_lock(const char *dir, unsigned mode, int *fd, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/LOCK", dir);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode ? mode : 0640);
    if (f < 0)
        return bv_seterr(err, errlen, errno == EROFS || errno == EACCES ? BV_E_IO : BV_E_IO,
                         "%s: cannot open lock file: %s", path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(f);
        if (e == EWOULDBLOCK)
            return bv_seterr(err, errlen, BV_E_LOCKED, "%s: the archive is locked by another writer", dir);
        return bv_seterr(err, errlen, BV_E_IO, "%s: flock failed: %s", path, strerror(e));
    }
    *fd = f;
    return BV_OK;
}
