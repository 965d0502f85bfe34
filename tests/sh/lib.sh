# Shared helpers for shell tests: TAP-style checks and a final count.
# Usage: . tests/sh/lib.sh; ok "what" cmd...; expect_eq "what" got want; done_testing
BV_BIN=${BV_BIN:-bin}
T_PASS=0
T_FAIL=0
T_N=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bvsh.XXXXXX")
trap '[ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT

_t_result() { # status description
  T_N=$((T_N + 1))
  if [ "$1" -eq 0 ]; then T_PASS=$((T_PASS + 1)); echo "ok $T_N - $2"
  else T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $2"; fi
}
# ok DESCRIPTION CMD... : passes when CMD exits 0
ok() { local d=$1; shift; if "$@" >/dev/null 2>&1; then _t_result 0 "$d"; else _t_result 1 "$d"; fi; }
# fails DESCRIPTION CODE CMD... : passes when CMD exits with CODE
fails() {
  local d=$1 want=$2; shift 2; local rc=0
  "$@" >/dev/null 2>&1 || rc=$?
  if [ "$rc" -eq "$want" ]; then _t_result 0 "$d"; else _t_result 1 "$d"; echo "# exit $rc, want $want"; fi
}
# expect_eq DESCRIPTION GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then _t_result 0 "$1"; else _t_result 1 "$1"; echo "# got:  $2"; echo "# want: $3"; fi
}
# expect_match DESCRIPTION TEXT REGEX
expect_match() {
  if printf '%s' "$2" | grep -Eq -- "$3"; then _t_result 0 "$1"; else _t_result 1 "$1"; echo "# text: $(printf '%s' "$2" | head -c 400)"; echo "# regex: $3"; fi
}
done_testing() { echo "$T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; }
