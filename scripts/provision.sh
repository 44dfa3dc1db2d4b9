#!/usr/bin/env bash
# Provision this machine for Pilot Monitor: Docker Engine, debootstrap, PostgreSQL 15, venv.
# Idempotent and non-interactive; runs as root. A no-op (< 2 s) when all is in place.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
DOCKERD_WAIT=${DOCKERD_WAIT:-60}

log() { printf 'provision: %s\n' "$*"; }
die() { printf 'provision: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

# --- packages -------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || [ ! -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
    missing+=(postgresql-15)
fi
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ! -x /usr/lib/postgresql/15/bin/psql ]; then
    missing+=(postgresql-client-15)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    log "apt-get update"
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" </dev/null
    log "installed: ${missing[*]}"
else
    log "packages present: docker.io debootstrap postgresql-15 postgresql-client-15 python3-venv"
fi

command -v dockerd >/dev/null 2>&1 || die "dockerd not found after install"
command -v docker >/dev/null 2>&1 || die "docker client not found after install"

# --- Docker daemon --------------------------------------------------------
if docker info >/dev/null 2>&1; then
    log "dockerd already running"
else
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

log "done"
