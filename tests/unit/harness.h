/* A tiny TAP-style test harness: each check prints "ok N - what" or
 * "not ok N - what (file:line)"; t_done() prints "N passed, N failed" and
 * returns the exit status. */
#ifndef BV_HARNESS_H
#define BV_HARNESS_H

#include <stdint.h>
#include <stdio.h>

int t_check(int cond, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Print a diagnostic line ("# ...") that does not count as a check. */
void t_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Final line and exit status (0 when nothing failed). */
int t_done(void);
/* A fresh empty directory under $TMPDIR (or /tmp), removed by t_done()
 * unless BV_KEEP_TMP is set. The string is owned by the harness. */
const char *t_tmpdir(void);
/* Directory of the binaries under test ($BV_BIN, default "bin"). */
const char *t_bindir(void);

#define T_OK(cond, ...) t_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define T_EQ_U64(a, b, what)                                                                           \
    do {                                                                                               \
        unsigned long long t_a_ = (unsigned long long)(a), t_b_ = (unsigned long long)(b);             \
        if (!t_check(t_a_ == t_b_, __FILE__, __LINE__, "%s", what))                                    \
            t_note("  got %llu, want %llu", t_a_, t_b_);                                               \
    } while (0)
#define T_EQ_INT(a, b, what)                                                                           \
    do {                                                                                               \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                                        \
        if (!t_check(t_a_ == t_b_, __FILE__, __LINE__, "%s", what))                                    \
            t_note("  got %lld, want %lld", t_a_, t_b_);                                               \
    } while (0)
#define T_EQ_STR(a, b, what)                                                                           \
    do {                                                                                               \
        const char *t_a_ = (a), *t_b_ = (b);                                                           \
        int t_eq_ = t_a_ && t_b_ && strcmp(t_a_, t_b_) == 0;                                           \
        if (!t_check(t_eq_, __FILE__, __LINE__, "%s", what))                                           \
            t_note("  got \"%s\", want \"%s\"", t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");       \
    } while (0)

#endif
