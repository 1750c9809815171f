#!/usr/bin/env bash
# A throwaway Redis server for engram's tests, on loopback, persisting
# nothing.
#
#   tools/redis-test-server.sh start <port> <dir>   start it; wait for PONG (~5 s)
#   tools/redis-test-server.sh stop <dir>           stop the one started in <dir>
#
# <dir> holds redis.pid and the server's log (redis.log).
set -euo pipefail

usage() {
  echo "usage: $0 start <port> <dir> | stop <dir>" >&2
  exit 2
}

case "${1:-}" in
  start)
    [ $# -eq 3 ] || usage
    port=$2
    dir=$3
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    /usr/bin/redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log"
    for _ in $(seq 50); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
        exit 0
      fi
      sleep 0.1
    done
    echo "$0: redis-server on port $port did not answer PING within 5 s (see $dir/redis.log)" >&2
    exit 1
    ;;
  stop)
    [ $# -eq 2 ] || usage
    pidfile=$2/redis.pid
    [ -f "$pidfile" ] || exit 0
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    rm -f "$pidfile"
    ;;
  *)
    usage
    ;;
esac
