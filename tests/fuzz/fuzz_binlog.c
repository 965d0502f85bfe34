/* Fuzz target: the binlog decoder on a whole binlog file (archiver/frame.c,
 * decoder.c, tablemap.c, values.c, json.c) as binvault-archiver imports it.
 *
 * Input: a binlog file. Its first 4 bytes stand for the magic and are not
 * checked (binvault-archiver checks them before decoding; skipping the check
 * keeps mutations useful); shorter inputs are ignored. Events are framed
 * from offset 4 with bv_binlog_frame() under the decoder's current
 * FORMAT_DESCRIPTION and fed to a bv_decoder (file "binlog.000001") until
 * the end, the first framing error or the first decoder error, as
 * archiver/main.c does. Then
 * bv_decoder_end_file(): always without a next file first (the last file of
 * an import), and for half of the inputs (by a hash of the input) again with
 * a next file name when no ROTATE came out; for a quarter of the inputs the
 * same bytes are then decoded once more as the next file (the one the ROTATE
 * named), so that decoder state crosses a file boundary. For an eighth of the
 * inputs the sink fails (BV_E_IO, as the writer on a full disk) at one of the
 * first 32 events: the decoder must stop with that error.
 *
 * Two passes: as given (CRC32 verified, so most mutations stop at the
 * checksum), and, when the first pass stopped at a framing error, with the
 * CRC32 of every event recomputed before it is framed, so that mutations
 * reach the event parsers: an event carries a checksum when the FDE in force
 * says so; an FDE carries one when its own server version is >= 5.6.1
 * (MariaDB >= 5.3.0), computed with the LOG_EVENT_BINLOG_IN_USE_F header
 * flag (0x1) cleared.
 *
 * Every event the decoder emits goes through fz_sink (binlog_check.h): it
 * must be storable by the archive format (abort otherwise), survive
 * bv_record_encode/bv_record_decode byte for byte, and its stream rules are
 * checked with bv_walk_event (violations are not fatal unless
 * BV_FUZZ_RULES=1; see binlog_check.h). The start GTID text
 * (bv_decoder_start_gtids) must parse as a GTID set (abort for MariaDB text,
 * rule class for MySQL text).
 */
#include <string.h>

#include "binlog_check.h"

FUZZ_UBSAN_DEFAULTS

#define FILE1 "binlog.000001"
#define FILE2 "binlog.000002"

/* Recompute the CRC32 of the event at p (n bytes left) in place, when it
 * has one under fde. */
static void fix_crc(uint8_t *p, size_t n, const bv_fde *fde)
{
    if (n < BV_BL_HEADER_LEN)
        return;
    uint32_t size = (uint32_t)bv_rdle(p + 9, 4);
    if (size < BV_BL_HEADER_LEN + 4 || size > n)
        return;
    if (p[4] == BV_BL_FDE) {
        if (fz_fde_has_crc(p + BV_BL_HEADER_LEN, size - BV_BL_HEADER_LEN))
            fz_fde_set_crc(p, size);
        return;
    }
    if (fde && fde->checksum)
        bv_wr32(p + size - 4, bv_crc32(p, size - 4));
}

/* Decode data as binlog file name through d. Returns 1 when it stopped at a
 * framing error. */
static int decode_file(bv_decoder *d, fz_blcheck *chk, const char *name, uint8_t *data, size_t size, int fix,
                       int *failed)
{
    char err[1024] = "", msg[400] = "";
    int frame_failed = 0, rc;
    FUZZ_CHECK(bv_decoder_begin_file(d, name, err, sizeof(err)) == BV_OK);
    fz_blcheck_file(chk, name);
    size_t at = 4;
    *failed = 0;
    while (at < size) {
        bv_rawev ev;
        size_t need = 0;
        msg[0] = 0;
        if (fix)
            fix_crc(data + at, size - at, bv_decoder_fde(d));
        rc = bv_binlog_frame(data + at, size - at, at, bv_decoder_fde(d), 0, &ev, &need, msg, sizeof(msg));
        FUZZ_CHECK(strlen(msg) < sizeof(msg));
        if (rc != BV_OK) {
            FUZZ_CHECK(rc == BV_E_TRUNCATED || rc == BV_E_CORRUPT || rc == BV_E_DECODE);
            FUZZ_CHECK(rc != BV_E_TRUNCATED || need > size - at);
            frame_failed = 1;
            *failed = 1;
            break;
        }
        FUZZ_CHECK(ev.size >= BV_BL_HEADER_LEN && ev.size <= size - at && ev.offset == at);
        FUZZ_CHECK(ev.body >= data + at && ev.body + ev.body_len <= data + at + ev.size);
        rc = bv_decoder_event(d, &ev, err, sizeof(err));
        FUZZ_CHECK(strlen(err) < sizeof(err));
        FUZZ_CHECK(!chk->sink_failed || rc == BV_E_IO);
        if (rc != BV_OK) {
            FUZZ_CHECK(rc < 0);
            *failed = 1;
            break;
        }
        at += ev.size;
    }
    if (fz_verbose())
        fprintf(stderr, "  %s%s: %zu of %zu bytes, %lu events, %lu rows, %lu rule violations%s%s\n", name,
                fix ? " (CRCs fixed)" : "", at, size, chk->events, chk->rows, chk->violations,
                *failed ? "; stopped: " : "", frame_failed ? msg : err);
    if (fz_verbose() && chk->violations)
        fprintf(stderr, "    first rule violation: %s\n", chk->violation);
    return frame_failed;
}

/* One pass over the input: returns 1 when it stopped at a framing error. */
static int run(const uint8_t *input, size_t size, int fix, uint32_t hash)
{
    uint8_t *data = malloc(size ? size : 1);
    FUZZ_CHECK(data != NULL);
    memcpy(data, input, size);
    fz_blcheck chk;
    fz_blcheck_init(&chk, FILE1);
    if ((hash >> 8) % 8 == 0)
        chk.fail_at = 1 + (hash >> 11) % 32; /* an eighth of the inputs: the writer fails */
    bv_decoder *d = bv_decoder_new(fz_sink, &chk);
    FUZZ_CHECK(d != NULL);
    char err[1024] = "";
    int failed;
    int frame_failed = decode_file(d, &chk, FILE1, data, size, fix, &failed);
    if (!failed) {
        /* the last file of an import: no next name */
        int rc = bv_decoder_end_file(d, size, NULL, err, sizeof(err));
        FUZZ_CHECK(rc == BV_OK || (chk.sink_failed && rc == BV_E_IO));
        if (rc == BV_OK && !chk.saw_rotate && (hash & 1)) {
            /* a file followed by another: ROTATE to it (no-op above unless a
             * ROTATE event was pending) */
            rc = bv_decoder_end_file(d, size, FILE2, err, sizeof(err));
            FUZZ_CHECK(rc == BV_OK || rc == BV_E_INVAL || (chk.sink_failed && rc == BV_E_IO));
        }
        /* (after an error the archiver stops: nothing more) */
        if (rc == BV_OK && chk.saw_rotate && (hash & 3) == 3 && strlen(chk.rotate_to) < 256) {
            char next[256];
            snprintf(next, sizeof(next), "%s", chk.rotate_to);
            memcpy(data, input, size);
            (void)decode_file(d, &chk, next, data, size, fix, &failed);
            if (!failed) {
                rc = bv_decoder_end_file(d, size, NULL, err, sizeof(err));
                FUZZ_CHECK(rc == BV_OK || (chk.sink_failed && rc == BV_E_IO));
            }
        }
    }
    /* state the archiver reads before opening its writer */
    const bv_fde *fde = bv_decoder_fde(d);
    FUZZ_CHECK(strlen(fde->server_version) <= 50);
    int flavor = bv_decoder_flavor(d);
    FUZZ_CHECK(flavor == BV_GTID_NONE || flavor == BV_GTID_MYSQL || flavor == BV_GTID_MARIADB);
    fz_check_start_gtids(&chk, bv_decoder_start_gtids(d));
    const bv_decoder_stats *st = bv_decoder_get_stats(d);
    FUZZ_CHECK(st->rows == chk.rows);
    bv_decoder_free(d);
    fz_blcheck_release(&chk);
    free(data);
    return frame_failed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0; /* binvault-archiver refuses a file shorter than the magic */
    fz_set_input(data, size);
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 16777619u;
    if (run(data, size, 0, hash))
        run(data, size, 1, hash);
    return 0;
}
