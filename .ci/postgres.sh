#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests of dispatch.store.PostgresEventStore.
#
#   eval "$(bash .ci/postgres.sh)"        # install if missing, start; exports the two variables
#   bash .ci/postgres.sh install          # only install the server (Debian's postgresql) if missing
#   bash .ci/postgres.sh start [--durable] # only start one (prints the export lines)
#   bash .ci/postgres.sh stop [DIR]       # stop it and delete its directory (default $DISPATCH_POSTGRES_DIR)
#
# `start` runs initdb into a new directory under ${TMPDIR:-/tmp}, starts the server listening
# on a unix socket in that directory only (no TCP port, so it never clashes with another
# server), creates the database `dispatch` and prints, on standard output and nothing else:
#
#   export DISPATCH_POSTGRES_URL='postgresql://postgres@/dispatch?host=/tmp/dispatch-pg.XXXXXX'
#   export DISPATCH_POSTGRES_DIR='/tmp/dispatch-pg.XXXXXX'
#
# Everything else goes to standard error. PostgreSQL refuses to run as root: as root the
# cluster belongs to the `postgres` user (created by Debian's package; `nobody` otherwise)
# and every server program runs through runuser. By default the server trades durability
# for speed (fsync, synchronous_commit and full_page_writes off): the tests kill clients,
# never the server. `--durable` keeps PostgreSQL's defaults (for benchmarks).
# The server binaries are looked for in $PG_BINDIR, /usr/lib/postgresql/*/bin (newest
# first) and PATH.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  local dir
  if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then
    echo "$PG_BINDIR"
    return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return 0
  fi
  return 1
}

install_server() {
  if find_bindir >/dev/null; then
    log "server binaries found in $(find_bindir)"
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "not root and no sudo: cannot install postgresql"; exit 1; }
    sudo="sudo"
  fi
  log "installing Debian's postgresql"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  find_bindir >/dev/null || { log "postgresql installed but no initdb found"; exit 1; }
}

# as_owner USER CMD...: run CMD as USER when we are root, directly otherwise.
as_owner() {
  local user=$1
  shift
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

owner() {
  if [ "$(id -u)" -ne 0 ]; then
    id -un
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    echo nobody
  fi
}

start_server() {
  local durable=0
  if [ "${1:-}" = "--durable" ]; then
    durable=1
  elif [ -n "${1:-}" ]; then
    log "unknown option for start: $1"
    exit 2
  fi
  local bindir user dir
  bindir=$(find_bindir) || { log "no PostgreSQL server binaries (initdb, pg_ctl); run: bash .ci/postgres.sh install"; exit 1; }
  user=$(owner)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/dispatch-pg.XXXXXX")
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$user" "$dir"
  fi
  if ! as_owner "$user" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
      --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    log "initdb failed"
    exit 1
  fi
  {
    echo "# dispatch tests: unix socket only, in $dir"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$dir'"
    echo "max_connections = 100"
    if [ "$durable" -eq 0 ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >>"$dir/data/postgresql.conf"
  if ! as_owner "$user" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >&2; then
    cat "$dir/server.log" >&2 || true
    log "the server did not start"
    exit 1
  fi
  as_owner "$user" "$bindir/createdb" -h "$dir" -U postgres dispatch >&2
  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running in $dir (as $user)"
  echo "export DISPATCH_POSTGRES_URL='postgresql://postgres@/dispatch?host=$dir'"
  echo "export DISPATCH_POSTGRES_DIR='$dir'"
}

stop_server() {
  local dir=${1:-${DISPATCH_POSTGRES_DIR:-}}
  if [ -z "$dir" ]; then
    log "stop: no directory given and DISPATCH_POSTGRES_DIR is not set"
    exit 2
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "stop: $dir is not a cluster started by this script"
    exit 2
  fi
  local bindir user
  bindir=$(find_bindir) || { log "no pg_ctl to stop $dir"; exit 1; }
  user=$(stat -c %U "$dir/data")
  as_owner "$user" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-all}" in
  all)
    install_server
    start_server
    ;;
  install) install_server ;;
  start)
    shift
    start_server "$@"
    ;;
  stop)
    shift
    stop_server "$@"
    ;;
  *)
    log "usage: postgres.sh [install | start [--durable] | stop [DIR]]"
    exit 2
    ;;
esac
