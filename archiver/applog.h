/* Logging of binvault-archiver: one line per message on stderr, as text
 * ("2026-11-27T02:31:00.123Z warn  message") or as JSON lines
 * ({"ts":"...","level":"warn","msg":"..."}). Messages never contain
 * passwords: callers pass none. Not thread-safe beyond what stdio gives. */
#ifndef BV_APPLOG_H
#define BV_APPLOG_H

enum { BV_LOG_ERROR = 0, BV_LOG_WARN = 1, BV_LOG_INFO = 2, BV_LOG_DEBUG = 3 };

/* json: 0 text, 1 JSON lines. level: the most verbose level printed. */
void bv_log_setup(int json, int level);
/* Parse "error|warn|info|debug"; -1 when unknown. */
int bv_log_level_parse(const char *s);
void bv_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
