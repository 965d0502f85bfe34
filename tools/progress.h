/* Progress line for long-running commands (terminal only). */
#ifndef BV_PROGRESS_H
#define BV_PROGRESS_H

#include <stdint.h>

typedef struct bv_progress {
    int enabled;     /* stderr is a terminal */
    int shown;
    uint64_t start_us, last_us;
    const char *what;
} bv_progress;

void bv_progress_init(bv_progress *p, const char *what);
/* Redraw at most 4 times a second; total_bytes 0 = unknown (no ETA). */
void bv_progress_update(bv_progress *p, uint64_t events, uint64_t bytes, uint64_t total_bytes);
/* The same with the ETA from done of total units (e.g. archive events read
 * of the footers' total) while events/bytes count what was produced. */
void bv_progress_update_eta(bv_progress *p, uint64_t events, uint64_t bytes, uint64_t done, uint64_t total);
/* Clear the line. */
void bv_progress_done(bv_progress *p);

#endif
