/* A one-line progress display on stderr, shown only when stderr is a
 * terminal: events, bytes, rate and ETA. */
#include "progress.h"

#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static uint64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

void bv_progress_init(bv_progress *p, const char *what)
{
    p->enabled = isatty(STDERR_FILENO);
    p->start_us = p->last_us = now_us();
    p->what = what;
    p->shown = 0;
}

/* 1 when the line is due (on a terminal, at most 4 times a second); sets
 * the seconds since the start. */
static int due(bv_progress *p, double *secs)
{
    if (!p->enabled)
        return 0;
    uint64_t t = now_us();
    if (t - p->last_us < 250000)
        return 0;
    p->last_us = t;
    *secs = (double)(t - p->start_us) / 1e6;
    return 1;
}

void bv_progress_update(bv_progress *p, uint64_t events, uint64_t bytes, uint64_t total_bytes)
{
    double secs;
    if (!due(p, &secs))
        return;
    double rate = secs > 0 ? (double)events / secs : 0;
    double brate = secs > 0 ? (double)bytes / secs : 0;
    char eta[32] = "?";
    if (total_bytes && bytes && brate > 0 && total_bytes >= bytes)
        snprintf(eta, sizeof(eta), "%.0fs", (double)(total_bytes - bytes) / brate);
    if (total_bytes)
        fprintf(stderr, "\r%s: %llu events, %.1f of %.1f MiB, %.0f events/s, ETA %s\033[K", p->what,
                (unsigned long long)events, (double)bytes / 1048576.0, (double)total_bytes / 1048576.0, rate, eta);
    else
        fprintf(stderr, "\r%s: %llu events, %.1f MiB, %.0f events/s\033[K", p->what, (unsigned long long)events,
                (double)bytes / 1048576.0, rate);
    p->shown = 1;
}

void bv_progress_update_eta(bv_progress *p, uint64_t events, uint64_t bytes, uint64_t done, uint64_t total)
{
    double secs;
    if (!due(p, &secs))
        return;
    double rate = secs > 0 ? (double)events / secs : 0;
    char eta[32] = "?";
    if (total && done && secs > 0 && total >= done)
        snprintf(eta, sizeof(eta), "%.0fs", (double)(total - done) * secs / (double)done);
    fprintf(stderr, "\r%s: %llu events, %.1f MiB, %.0f events/s, %.0f%%, ETA %s\033[K", p->what,
            (unsigned long long)events, (double)bytes / 1048576.0, rate,
            total ? 100.0 * (double)(done < total ? done : total) / (double)total : 0.0, eta);
    p->shown = 1;
}

void bv_progress_done(bv_progress *p)
{
    if (p->enabled && p->shown)
        fprintf(stderr, "\r\033[K");
}
