/* binvault — error codes shared by every public function.
 *
 * Convention: functions return 0 (BV_OK) on success and a negative bv_err
 * code on failure. Functions that can fail also take an optional caller-owned
 * message buffer (`char *err, size_t errlen`); when it is non-NULL and errlen
 * is non-zero, a NUL-terminated human-readable message naming the file, byte
 * offset or option at fault is written into it (truncated to fit). Passing
 * NULL/0 is always allowed.
 */
#ifndef BINVAULT_ERROR_H
#define BINVAULT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bv_err {
    BV_OK = 0,
    BV_E_INVAL = -1,      /* bad argument or option */
    BV_E_NOMEM = -2,      /* allocation failed */
    BV_E_IO = -3,         /* read/write/open/fsync/rename failed (errno in message) */
    BV_E_NOSPC = -4,      /* no space left on device while writing */
    BV_E_CORRUPT = -5,    /* checksum mismatch or structural rule broken */
    BV_E_TRUNCATED = -6,  /* data ends before a structure is complete */
    BV_E_VERSION = -7,    /* unsupported format version or unknown required feature */
    BV_E_FOREIGN = -8,    /* not a binvault file (bad magic) */
    BV_E_LOCKED = -9,     /* archive is locked by another writer */
    BV_E_NOTFOUND = -10,  /* directory, segment or position not found */
    BV_E_STATE = -11,     /* call not allowed in the current state */
    BV_E_RANGE = -12,     /* value outside what the format can represent */
    BV_E_DECODE = -13     /* input that a decoder does not understand */
} bv_err;

/* Static description of an error code. Never NULL; the string is owned by
 * the library and must not be freed. */
const char *bv_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
