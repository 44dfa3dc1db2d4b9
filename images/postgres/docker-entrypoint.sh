#!/usr/bin/env bash
# Entrypoint of the local postgres:15 stand-in: the part of the official image's entrypoint
# that a compose stack uses. On an empty $PGDATA: initdb as $POSTGRES_USER with
# $POSTGRES_PASSWORD, create $POSTGRES_DB, run /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sh;
# then (and on every later start) exec the server as the postgres user.
set -Eeuo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA POSTGRES_USER POSTGRES_DB POSTGRES_HOST_AUTH_METHOD

log() { printf 'docker-entrypoint: %s\n' "$*"; }

# `docker run IMAGE -c foo=bar` means server options.
case "${1:-}" in -*) set -- postgres "$@" ;; esac
# Any other command (bash, psql, ...) runs as is.
if [ "${1:-}" != postgres ]; then exec "$@"; fi

if [ "$(id -u)" = 0 ]; then
    # A bind mount or an old volume may belong to someone else; the server refuses a
    # data directory it does not own or that others can read.
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chmod 700 "$PGDATA"
    chown postgres:postgres /var/run/postgresql
    chmod 3777 /var/run/postgresql
    # setpriv does not touch the environment: set HOME for psql/initdb ourselves.
    export HOME=/var/lib/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ -s "$PGDATA/PG_VERSION" ]; then
    log "$PGDATA already holds a database: skipping initialisation"
else
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        cat >&2 <<'MSG'
docker-entrypoint: ERROR: the database is not initialised and POSTGRES_PASSWORD is not set.
  Set POSTGRES_PASSWORD to a non-empty password for the superuser (POSTGRES_USER,
  default "postgres"), e.g. `-e POSTGRES_PASSWORD=...` or `environment:` in compose.
  To allow every connection without a password (unsafe), set POSTGRES_HOST_AUTH_METHOD=trust.
MSG
        exit 1
    fi

    # POSTGRES_INITDB_ARGS is split on blanks (no globbing); it comes last so it can
    # override the encoding/locale defaults.
    read -r -a initdb_args <<<"${POSTGRES_INITDB_ARGS:-}"
    run_initdb() {
        initdb --username="$POSTGRES_USER" --encoding=UTF8 --locale=C.UTF-8 "$@" "${initdb_args[@]}"
    }
    # The password reaches initdb through a pipe (bash process substitution, /dev/fd/N):
    # never on a command line (visible in ps) nor on disk. The pipe
    # only lives for the command that names it, hence the function.
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then
        run_initdb --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD")
    else
        run_initdb
    fi

    # Local (socket) connections inside the container are trusted; every TCP client
    # needs the password (or whatever POSTGRES_HOST_AUTH_METHOD says).
    cat >"$PGDATA/pg_hba.conf" <<HBA
# TYPE  DATABASE  USER  ADDRESS  METHOD
local   all       all            trust
host    all       all   all      $POSTGRES_HOST_AUTH_METHOD
HBA
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    # Temporary server on the unix socket only, so clients (and compose healthchecks
    # over TCP) don't see the database before the init scripts have run.
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start

    psql_init=(psql -X -q -v ON_ERROR_STOP=1 --no-password --username "$POSTGRES_USER")
    if [ "$POSTGRES_DB" != postgres ]; then
        "${psql_init[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi

    shopt -s nullglob
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh)
                # Executable scripts run in their own process, others are sourced (as upstream).
                if [ -x "$f" ]; then log "running $f"; "$f"; else log "sourcing $f"; . "$f"; fi ;;
            *.sql)    log "running $f"; "${psql_init[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
            *.sql.gz) log "running $f"; gzip -dc "$f" | "${psql_init[@]}" --dbname "$POSTGRES_DB" ;;
            *)        log "ignoring $f" ;;
        esac
    done
    shopt -u nullglob

    pg_ctl -D "$PGDATA" -m fast -w stop
    log "initialisation complete; starting the server"
fi

exec "$@"
