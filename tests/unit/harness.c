/* Test harness implementation (see harness.h). */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static unsigned passed, failed;
static char *tmpdirs[64];
static unsigned ntmp;

int t_check(int cond, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    unsigned n = passed + failed + 1;
    printf("%s %u - ", cond ? "ok" : "not ok", n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (!cond)
        printf(" (%s:%d)", file, line);
    printf("\n");
    fflush(stdout);
    if (cond)
        passed++;
    else
        failed++;
    return cond;
}

void t_note(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

const char *t_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof(tmpl), "%s/bvtest.XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    if (!d) {
        perror("mkdtemp");
        abort();
    }
    char *copy = strdup(d);
    if (!copy)
        abort();
    if (ntmp < sizeof(tmpdirs) / sizeof(tmpdirs[0]))
        tmpdirs[ntmp++] = copy;
    return copy;
}

const char *t_bindir(void)
{
    const char *b = getenv("BV_BIN");
    return b && *b ? b : "bin";
}

int t_done(void)
{
    if (!getenv("BV_KEEP_TMP")) {
        for (unsigned i = 0; i < ntmp; i++) {
            char cmd[4200];
            snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdirs[i]);
            if (system(cmd) != 0)
                fprintf(stderr, "warning: could not remove %s\n", tmpdirs[i]);
        }
    }
    for (unsigned i = 0; i < ntmp; i++)
        free(tmpdirs[i]);
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
