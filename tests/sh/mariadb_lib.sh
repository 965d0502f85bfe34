# A private MariaDB instance for tests and benchmarks (source this file).
#   mdb_start DIR [extra server options...]  -> sets MDB_SQL (client argv array), MDB_PORT, MDB_SOCK, MDB_DATA
#   mdb_stop
# The server runs as the current user with --no-defaults, on 127.0.0.1 at a
# free port, with its datadir, socket, pid and logs under DIR, binlogs in
# ROW format with FULL row image and metadata.
_mdb_find() { local n d; for n in "$@"; do command -v "$n" 2>/dev/null && return 0
  for d in /usr/sbin /usr/bin; do [ -x "$d/$n" ] && { echo "$d/$n"; return 0; }; done; done; return 1; }
MDB_SERVER=$(_mdb_find mariadbd mysqld) || MDB_SERVER=
MDB_INSTALL=$(_mdb_find mariadb-install-db mysql_install_db) || MDB_INSTALL=
MDB_CLIENT=$(_mdb_find mariadb mysql) || MDB_CLIENT=
MDB_ADMIN=$(_mdb_find mariadb-admin mysqladmin) || MDB_ADMIN=
MDB_BINLOG=$(_mdb_find mariadb-binlog mysqlbinlog) || MDB_BINLOG=
MDB_PID=

mdb_stop() {
  [ -n "$MDB_PID" ] || return 0
  "$MDB_ADMIN" --no-defaults --socket="$MDB_SOCK" --user=root shutdown >/dev/null 2>&1 || kill "$MDB_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 120); do kill -0 "$MDB_PID" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$MDB_PID" 2>/dev/null || true   # usually gone already; callers may run with set -e
  wait "$MDB_PID" 2>/dev/null || true
  MDB_PID=
}

mdb_start() {
  local dir=$1; shift
  [ -n "$MDB_SERVER" ] && [ -n "$MDB_INSTALL" ] && [ -n "$MDB_CLIENT" ] && [ -n "$MDB_ADMIN" ] || {
    echo "mariadb-server/mariadb-client are not installed" >&2; return 1; }
  mkdir -p "$dir"
  MDB_DATA=$dir/data
  MDB_SOCK=$dir/sock
  local user=--user=$(id -un)
  "$MDB_INSTALL" --no-defaults --datadir="$MDB_DATA" "$user" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1 || { tail -5 "$dir/install.log" >&2; return 1; }
  local try port i
  for try in 1 2 3 4 5 6; do
    port=$((20000 + (RANDOM * 7 + $$ + try * 131) % 40000))
    : >"$dir/err.log"
    "$MDB_SERVER" --no-defaults --log-basename=mdb "$user" --datadir="$MDB_DATA" --socket="$MDB_SOCK" \
      --pid-file="$dir/mdb.pid" --bind-address=127.0.0.1 --port="$port" --log-error="$dir/err.log" \
      --log-bin --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL --server-id=1 \
      --skip-name-resolve --default-time-zone=+00:00 --max-allowed-packet=256M "$@" >>"$dir/server.out" 2>&1 &
    MDB_PID=$!
    for i in $(seq 1 240); do
      kill -0 "$MDB_PID" 2>/dev/null || break
      if "$MDB_ADMIN" --no-defaults --socket="$MDB_SOCK" --user=root ping >/dev/null 2>&1; then
        MDB_PORT=$port
        MDB_SQL=("$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root --default-character-set=utf8mb4)
        return 0
      fi
      sleep 0.25
    done
    mdb_stop
    grep -q -i 'address already in use\|bind on tcp/ip port' "$dir/err.log" || break
  done
  tail -20 "$dir/err.log" >&2
  return 1
}

# The server's binlog files in order, as paths.
mdb_binlogs() {
  "${MDB_SQL[@]}" -N -e 'SHOW BINARY LOGS' | while read -r name _; do echo "$MDB_DATA/$name"; done
}

# mdb_bounce clean|kill9: restarts the server mdb_start started, on the same
# datadir, socket and port with the same options (its command line, as read
# from /proc). clean: mariadb-admin shutdown (mdb_stop); kill9: SIGKILL, so
# the binlog ends without a STOP event and InnoDB runs crash recovery. Returns
# once the new server answers a ping (1 if it does not within 60 s). Sets
# MDB_PID to the new server and MDB_BOUNCE_MS to the restart's duration.
MDB_ARGV=()
mdb_bounce() {
  local mode=$1 i t0
  t0=$(date +%s%N)
  if [ -n "$MDB_PID" ] && [ -r "/proc/$MDB_PID/cmdline" ]; then
    mapfile -d '' -t MDB_ARGV <"/proc/$MDB_PID/cmdline"
  fi
  [ "${#MDB_ARGV[@]}" -gt 0 ] || { echo "mdb_bounce: no server command line" >&2; return 1; }
  local dir
  dir=$(dirname "$MDB_DATA")
  case $mode in
    clean) mdb_stop ;;
    kill9)
      if [ -n "$MDB_PID" ]; then
        kill -9 "$MDB_PID" 2>/dev/null || true
        wait "$MDB_PID" 2>/dev/null || true
        MDB_PID=
      fi ;;
    *) echo "mdb_bounce: clean or kill9, not $mode" >&2; return 1 ;;
  esac
  "${MDB_ARGV[@]}" >>"$dir/server.out" 2>&1 &
  MDB_PID=$!
  for i in $(seq 1 1200); do
    kill -0 "$MDB_PID" 2>/dev/null || break
    if "$MDB_ADMIN" --no-defaults --socket="$MDB_SOCK" --user=root ping >/dev/null 2>&1; then
      MDB_BOUNCE_MS=$((($(date +%s%N) - t0) / 1000000))
      return 0
    fi
    sleep 0.05
  done
  MDB_BOUNCE_MS=$((($(date +%s%N) - t0) / 1000000))
  tail -5 "$dir/err.log" >&2
  return 1
}

# mdb_require TOOL...: in a test (tests/sh/lib.sh loaded), one failing check
# and the end of the test when MariaDB's server or client, or one of the
# given binaries, is missing (tests/sh/deps.sh installs the former; make all
# builds the latter).
mdb_require() {
  local t
  if [ -z "$MDB_SERVER" ] || [ -z "$MDB_INSTALL" ] || [ -z "$MDB_CLIENT" ] || [ -z "$MDB_ADMIN" ]; then
    expect_eq "mariadb-server and mariadb-client are installed (tests/sh/deps.sh)" "missing" "present"
    done_testing
    exit
  fi
  for t in "$@"; do
    if [ ! -x "$t" ]; then
      expect_eq "$(basename "$t") is built in $(dirname "$t")" "missing" "present"
      done_testing
      exit
    fi
  done
}
