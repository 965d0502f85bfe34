/* Shared declarations for the libFuzzer targets in tests/fuzz/.
 *
 * Every fuzz_NAME.c defines LLVMFuzzerTestOneInput(). It is built two ways
 * (see the Makefile): with clang -fsanitize=fuzzer by `make fuzz`, and as a
 * plain program linked with replay_main.c that feeds it the files of
 * tests/fuzz/corpus/NAME (`make test`). */
#ifndef BV_FUZZ_H
#define BV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Library bugs found by fuzzing and not fixed yet are worked around in the
 * harnesses, so that fuzzing can go on and `make test` passes; each one has
 * a reproducer in tests/fuzz/crashes/. With BV_FUZZ_STRICT=1 in the
 * environment the workarounds are off and the reproducers fail. */
static inline int fuzz_strict(void)
{
    static int strict = -1;
    if (strict < 0) {
        const char *e = getenv("BV_FUZZ_STRICT");
        strict = e && *e && *e != '0';
    }
    return strict;
}

/* Make every UBSan report fatal, also in `make fuzz` builds that leave
 * -fsanitize-recover at clang's default (a report would otherwise only be
 * printed and the fuzzer would carry on). Used once per target; the
 * function is read by the sanitizer runtime, when there is one. */
#define FUZZ_UBSAN_DEFAULTS                                                                        \
    const char *__ubsan_default_options(void);                                                     \
    __attribute__((used)) const char *__ubsan_default_options(void)                                \
    {                                                                                              \
        return "halt_on_error=1:print_stacktrace=1";                                               \
    }

/* A broken invariant of the code under test: report and abort, so that
 * libFuzzer saves the input and the replay program fails. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
