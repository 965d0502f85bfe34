/* Corpus replay driver: a main() for the fuzz targets when they are built
 * without libFuzzer (see tests/fuzz/README.md).
 *
 *   fuzz-replay/NAME FILE|DIR...
 *
 * Every regular file named (directories: every regular file in them, not
 * recursively, hidden files skipped, in name order) is read into a buffer of
 * exactly its size and passed to LLVMFuzzerTestOneInput(). One TAP line is
 * printed per file, then "N passed, 0 failed". A bug in the code under test
 * shows up as a sanitizer report or an abort() in the target, which ends the
 * program with a non-zero status. Exit status 1 also when no input file was
 * found (an empty corpus is an error) or a file cannot be read. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Optional libFuzzer hook: called once when a target defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Present when built with a sanitizer: called before a sanitizer report ends the program. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static unsigned long passed, failed;

/* The "not ok" line for the input being run, written if it kills the program. */
static char crash_line[4200];
static volatile size_t crash_len;

static void say_crash(void)
{
    if (crash_len) {
        ssize_t w = write(STDOUT_FILENO, crash_line, crash_len);
        (void)w;
        crash_len = 0;
    }
}

static void on_signal(int sig)
{
    say_crash();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f)
        return -1;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            uint8_t *n = realloc(buf, ncap);
            if (!n) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = n;
            cap = ncap;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    /* An exact-size copy, so that AddressSanitizer sees any read past the end. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    if (len)
        memcpy(exact, buf, len);
    free(buf);
    *data = exact;
    *size = len;
    return 0;
}

static void run_file(const char *path)
{
    uint8_t *data;
    size_t size;
    if (read_file(path, &data, &size) != 0) {
        failed++;
        printf("not ok %lu - %s (cannot read: %s)\n", passed + failed, path, strerror(errno));
        fflush(stdout);
        return;
    }
    int n = snprintf(crash_line, sizeof(crash_line), "not ok %lu - %s (crashed)\n%lu passed, %lu failed\n",
                     passed + failed + 1, path, passed, failed + 1);
    crash_len = n > 0 ? ((size_t)n < sizeof(crash_line) ? (size_t)n : sizeof(crash_line) - 1) : 0;
    LLVMFuzzerTestOneInput(data, size);
    crash_len = 0;
    free(data);
    passed++;
    printf("ok %lu - %s\n", passed + failed, path);
    fflush(stdout);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    if (!d) {
        failed++;
        printf("not ok %lu - %s (cannot open directory: %s)\n", passed + failed, dir, strerror(errno));
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof(*nn));
            if (!nn)
                abort();
            names = nn;
            cap = ncap;
        }
        names[n] = strdup(de->d_name);
        if (!names[n])
            abort();
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + 1 + strlen(names[i]) + 1;
        char *path = malloc(len);
        struct stat st;
        if (!path)
            abort();
        snprintf(path, len, "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            run_file(path);
        free(path);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    /* Name the input that crashed: sanitizer reports go through the death
     * callback, abort() (failed invariants) through SIGABRT. Without a
     * sanitizer, also catch the fatal signals of plain memory errors. */
    signal(SIGABRT, on_signal);
    if (__sanitizer_set_death_callback) {
        __sanitizer_set_death_callback(say_crash);
    } else {
        signal(SIGSEGV, on_signal);
        signal(SIGBUS, on_signal);
        signal(SIGFPE, on_signal);
        signal(SIGILL, on_signal);
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            failed++;
            printf("not ok %lu - %s (%s)\n", passed + failed, argv[i], strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            run_dir(argv[i]);
        } else {
            run_file(argv[i]);
        }
    }
    if (passed + failed == 0) {
        failed++;
        printf("not ok 1 - no input files found in the arguments (empty corpus?)\n");
    }
    printf("%lu passed, %lu failed\n", passed, failed);
    return failed ? 1 : 0;
}
