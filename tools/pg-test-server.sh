#!/usr/bin/env bash
# A throwaway PostgreSQL server for engram's tests, on loopback, its data in
# a folder of its own; TCP connections must give their password
# (superuser `postgres`, password `postgres`: tests only).
#
#   tools/pg-test-server.sh start <port> <dir>   initdb into <dir>/data, start; wait until it answers (~10 s)
#   tools/pg-test-server.sh stop <dir>           stop the one started in <dir> and remove <dir>/data
#
# PostgreSQL refuses to run as root: run as root, the script runs the
# server as an unprivileged user (below; the folder is handed to it).
# The server has a database `engram` and a user `engram` (password
# `engram`, for the tests of password authentication); <dir>/server.log
# keeps its log. Prints the libpq connection string on start.
set -euo pipefail

usage() {
  echo "usage: $0 start <port> <dir> | stop <dir>" >&2
  exit 2
}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "$0: no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql-15)" >&2; exit 1; }

# The server's user when run as root: the package's `postgres`, else
# `nobody`. It must be able to reach <dir>: put <dir> under /tmp, not
# under /root.
server_user=postgres
id -u postgres >/dev/null 2>&1 || server_user=nobody

# Runs a PostgreSQL program as the server's user.
as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$server_user" -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    [ $# -eq 3 ] || usage
    port=$2
    mkdir -p "$3"
    dir=$(cd "$3" && pwd)
    [ "$(id -u)" -eq 0 ] && chown "$server_user" "$dir"
    rm -rf "$dir/data"
    printf 'postgres\n' >"$dir/pwfile"
    [ "$(id -u)" -eq 0 ] && chown "$server_user" "$dir/pwfile"
    # Passwords checked over TCP (scram-sha-256), so a test can be refused.
    as_server "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 ||
      { echo "$0: initdb failed (see $dir/initdb.log)" >&2; exit 1; }
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null ||
      { echo "$0: the server on port $port did not start (see $dir/server.log)" >&2; exit 1; }
    psql=(env PGPASSWORD=postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -q)
    "${psql[@]}" -d postgres -c "CREATE USER engram PASSWORD 'engram'" \
      -c "CREATE DATABASE engram OWNER engram" >/dev/null
    echo "host=127.0.0.1 port=$port dbname=engram user=engram password=engram"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    dir=$2
    [ -d "$dir/data" ] || exit 0
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    rm -rf "$dir/data"
    ;;
  *)
    usage
    ;;
esac
