/* bv-gen: write a synthetic archive with the segment writer (demo, tests,
 * benchmarks). Not part of the product; a test and demo driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binvault/archive.h"
#include "synth.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: bv-gen --archive DIR [--txns N] [--seed S] [--block-size BYTES] [--segment-size BYTES]\n"
               "              [--ddl-every N] [--rotate-every BYTES] [--mariadb] [--no-close]\n"
               "Appends N synthetic transactions (default 1000) to the archive and closes it cleanly\n"
               "(--no-close: drops the writer without flushing, as a crash would).\n");
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    unsigned long long txns = 1000;
    bv_synth_opts so;
    bv_writer_opts wo;
    int no_close = 0;
    bv_synth_opts_init(&so);
    bv_writer_opts_init(&wo);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--no-close")) { no_close = 1; continue; }
        else if (!strcmp(a, "--mariadb")) { so.gtid_flavor = BV_GTID_MARIADB; continue; }
        if (!v) { usage(stderr); return 2; }
        if (!strcmp(a, "--archive")) dir = v;
        else if (!strcmp(a, "--txns")) txns = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed")) so.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--block-size")) wo.block_size = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--segment-size")) wo.segment_size = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--ddl-every")) so.ddl_every = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--rotate-every")) so.rotate_every = strtoull(v, NULL, 10);
        else { fprintf(stderr, "bv-gen: unknown option %s\n", a); usage(stderr); return 2; }
        i++;
    }
    if (!dir) { usage(stderr); return 2; }
    char err[1024];
    bv_writer *w = NULL;
    wo.source.flavor = (uint8_t)so.gtid_flavor;
    wo.source.server_id = 1;
    wo.source.server_version.ptr = "synthetic-1.0";
    wo.source.server_version.len = 13;
    wo.start_file.ptr = so.file;
    wo.start_file.len = strlen(so.file);
    wo.start_offset = 4;
    if (bv_writer_open(&w, dir, &wo, err, sizeof(err))) {
        fprintf(stderr, "bv-gen: %s\n", err);
        return 1;
    }
    const bv_recovery *rec = bv_writer_recovery(w);
    if (rec->recovered)
        printf("bv-gen: recovered open segment %s: kept %llu bytes in %u blocks, cut %llu bytes (%llu events of an "
               "incomplete transaction)%s\n",
               rec->segment, (unsigned long long)rec->valid_bytes, rec->blocks_kept,
               (unsigned long long)rec->bytes_cut, (unsigned long long)rec->events_cut,
               rec->removed_empty ? "; the segment held no complete transaction and was removed" : "");
    /* Continue the synthetic stream where the archive ends. */
    bv_str f;
    uint64_t off;
    bv_writer_end(w, &f, &off);
    char file[300];
    snprintf(file, sizeof(file), "%.*s", (int)f.len, f.ptr);
    so.file = file;
    so.start_offset = off;
    /* ... and after its newest event time, with fresh row ids. */
    bv_archive *a = NULL;
    if (bv_archive_open(&a, dir, err, sizeof(err)) == BV_OK) {
        for (size_t i = 0; i < bv_archive_count(a); i++) {
            const bv_segment_info *si = bv_archive_segment(a, i);
            if (si->max_ts_us >= so.start_ts_us)
                so.start_ts_us = si->max_ts_us + 1000000;
        }
        bv_archive_free(a);
    }
    size_t gl = bv_gtid_set_format(bv_writer_gtid_set(w), NULL, 0);
    (void)gl;
    bv_synth *s = bv_synth_new(&so);
    if (!s) { fprintf(stderr, "bv-gen: out of memory\n"); return 1; }
    /* GTID numbers continue from the archive: skip what it holds. */
    uint64_t done = 0;
    int rc = 0;
    while (done < txns) {
        const bv_event *ev = bv_synth_next(s);
        if (ev->type == BV_EV_BEGIN && bv_gtid_set_contains(bv_writer_gtid_set(w), &ev->gtid)) {
            /* regenerate with a fresh number: bump until unused */
            bv_event e = *ev;
            while (bv_gtid_set_contains(bv_writer_gtid_set(w), &e.gtid))
                e.gtid.seq++;
            rc = bv_writer_append(w, &e, err, sizeof(err));
        } else {
            rc = bv_writer_append(w, ev, err, sizeof(err));
        }
        if (rc) { fprintf(stderr, "bv-gen: %s\n", err); break; }
        if (ev->type == BV_EV_COMMIT)
            done++;
    }
    bv_synth_free(s);
    if (no_close) {
        bv_writer_free(w);
        return rc ? 1 : 0;
    }
    if (!rc && bv_writer_close(w, err, sizeof(err))) {
        fprintf(stderr, "bv-gen: %s\n", err);
        return 1;
    }
    if (rc)
        bv_writer_free(w);
    printf("bv-gen: appended %llu transactions to %s\n", txns, dir);
    return rc ? 1 : 0;
}
