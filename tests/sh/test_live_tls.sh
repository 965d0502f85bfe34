#!/usr/bin/env bash
# Live capture over TLS to MariaDB, with a CA made by the test.
#
# openssl makes a self-signed CA and a server certificate for 127.0.0.1
# (subjectAltName IP), the private server requires TLS for its replication
# user (REQUIRE SSL), and the archiver connects with --ssl-mode verify-ca
# (and verify-identity) and --ssl-ca. Checked: it archives; without TLS the
# user is refused (exit 1, no retry loop) and the password never shows in
# stderr or the status file; a CA that did not sign the server's
# certificate is refused.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/sh/lib.sh
. tests/sh/mariadb_lib.sh
ARCH=$BV_BIN/binvault-archiver
BV=$BV_BIN/binvault
W=$T_TMP/tls
mkdir -p "$W/pki"
trap 'mdb_stop; [ -n "${BV_KEEP_TMP:-}" ] || rm -rf "$T_TMP"' EXIT

mkpki() { # DIR CN: a CA and a server certificate for 127.0.0.1 signed by it
  local d=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2 test CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
  printf 'subjectAltName=IP:127.0.0.1\n' >"$d/ext.cnf" &&
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/ext.cnf" -out "$d/server.pem" 2>/dev/null
}
mkdir -p "$W/pki" "$W/other"
ok "openssl makes a CA and a server certificate" mkpki "$W/pki" binvault
ok "and a second, unrelated CA" mkpki "$W/other" other

mdb_start "$W/m" --ssl-ca="$W/pki/ca.pem" --ssl-cert="$W/pki/server.pem" --ssl-key="$W/pki/server.key" ||
  { echo "not ok - server with TLS starts"; done_testing; exit 1; }
PW='s3cr3t-Pa55'
"${MDB_SQL[@]}" -e "CREATE USER bv@'127.0.0.1' IDENTIFIED BY '$PW' REQUIRE SSL;
  GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO bv@'127.0.0.1';
  CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO d.t VALUES (1, 'tls'), (2, 'ok')"
have=$("${MDB_SQL[@]}" -N -e "SELECT @@have_ssl")
expect_eq "the server has TLS" "$have" "YES"
printf '%s\n' "$PW" >"$W/pw"
chmod 600 "$W/pw"

run() { # ARCHIVE MODE [extra...]: exit status of a --stop-at-end run; stderr in $W/err
  local a=$1 mode=$2; shift 2
  local rc=0
  "$ARCH" --archive "$a" --host 127.0.0.1 --port "$MDB_PORT" --user bv --password-file "$W/pw" \
    --ssl-mode "$mode" --stop-at-end --status-file "$W/status.json" --connect-timeout 5 "$@" 2>"$W/err" || rc=$?
  echo "$rc"
}

expect_eq "verify-ca with the right CA: archived (exit 0)" "$(run "$W/a1" verify-ca --ssl-ca "$W/pki/ca.pem")" "0"
expect_eq "both rows are in the archive" "$("$BV" cat "$W/a1" | grep -c '"type":"insert"')" "2"
expect_match "the values came through" "$("$BV" cat "$W/a1" | grep '"id":1')" '"v":"tls"'
expect_eq "verify-identity (certificate names 127.0.0.1): exit 0" \
  "$(run "$W/a2" verify-identity --ssl-ca "$W/pki/ca.pem")" "0"
expect_eq "required (encrypted, no verification): exit 0" "$(run "$W/a3" required)" "0"

rc=$(run "$W/a4" verify-ca --ssl-ca "$W/other/ca.pem")
expect_eq "a CA that did not sign the server certificate: refused (exit 1)" "$rc" "1"
expect_match "the message says TLS failed" "$(cat "$W/err")" "TLS|SSL|certificate"
rc=$(run "$W/a5" disabled)
expect_eq "without TLS the REQUIRE SSL user is refused (exit 1)" "$rc" "1"
ok "the password is not in stderr" bash -c "! grep -qF '$PW' '$W/err'"
ok "the password is not in the status file" bash -c "! grep -qF '$PW' '$W/status.json'"
ok "the password is not in the archive" bash -c "! grep -rqF '$PW' '$W'/a1 '$W'/a2 '$W'/a3"
done_testing
