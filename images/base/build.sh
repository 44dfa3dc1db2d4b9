#!/usr/bin/env bash
# Make a local stand-in for python:3.11-slim on machines with no container registry:
# a Debian bookworm minbase root file system (python3 3.11, psycopg2, venv) made with
# debootstrap and loaded with `docker import`. Does nothing if the tag already exists and
# was made by this very script (its hash is the image's pilot.recipe label).
#
#   BASE_IMAGE_TAG      image tag to make (default pilot-local/python:3.11-slim)
#   DEBOOTSTRAP_MIRROR  optional Debian mirror URL; by default debootstrap's own
#                       default is tried first, then the mirror of the host's apt sources
set -euo pipefail

TAG=${BASE_IMAGE_TAG:-pilot-local/python:3.11-slim}
SUITE=bookworm
INCLUDE=python3,python-is-python3,python3-psycopg2,python3-venv

log() { printf 'base-image: %s\n' "$*"; }
die() { printf 'base-image: ERROR: %s\n' "$*" >&2; exit 1; }

RECIPE=$(sha256sum "$0" | cut -c1-16)

current() { # the tag exists and was made by this recipe
    [ "$(docker image inspect --format '{{index .Config.Labels "pilot.recipe"}}' "$TAG" 2>/dev/null)" = "$RECIPE" ]
}

t0=$SECONDS
if current; then
    log "$TAG already exists ($(docker image inspect --format '{{.Id}}' "$TAG" | cut -c1-19))"
    exit 0
fi

command -v docker >/dev/null 2>&1 || die "docker client not found (run scripts/provision.sh)"
docker info >/dev/null 2>&1 || die "Docker daemon not reachable (run scripts/provision.sh)"
[ "$(id -u)" -eq 0 ] || die "no $TAG here and building it with debootstrap needs root"
if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap </dev/null
fi

# Serialise concurrent builds of the same machine; re-check after getting the lock.
exec 9>/var/lock/pilot-base-image.lock
flock 9
if current; then
    log "$TAG was built by a concurrent run"
    exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/pilot-base.XXXXXX")
ROOTFS="$WORK/rootfs"

cleanup() {
    # debootstrap mounts /proc and /sys inside the target while it runs: never
    # rm -rf through a mount that is still there.
    local m
    if [ -d "$WORK" ]; then
        for m in $(awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do
            umount -l "$m" 2>/dev/null || true
        done
        rm -rf --one-file-system "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The Debian mirror the host's apt uses (one-line and deb822 formats), for the suite.
host_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        awk -v s="$SUITE" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == s) { print $i; exit }
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk -v s="$SUITE" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " s " "))
                    { split(uris, u, " "); print u[1]; found = 1 }
                types = uris = suites = enabled = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); if (found) exit; next }
            tolower($1) == "types:"   { $1 = ""; types = $0 }
            tolower($1) == "uris:"    { $1 = ""; uris = $0 }
            tolower($1) == "suites:"  { $1 = ""; suites = $0 }
            tolower($1) == "enabled:" { enabled = tolower($2) }
            END { if (!found) flush() }' "$f"
    done
}

run_debootstrap() { # [mirror]
    rm -rf --one-file-system "$ROOTFS"
    debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$ROOTFS" "$@" \
        >"$WORK/debootstrap.log" 2>&1
}

log "building $TAG with debootstrap ($SUITE, minbase, +$INCLUDE)"
t1=$SECONDS
if [ -n "${DEBOOTSTRAP_MIRROR:-}" ]; then
    run_debootstrap "$DEBOOTSTRAP_MIRROR" || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
elif run_debootstrap; then
    :
else
    tail -n 10 "$WORK/debootstrap.log" >&2
    mirror=$(host_mirror | head -n 1)
    [ -n "$mirror" ] || die "debootstrap failed with its default mirror and the host's apt sources name none for $SUITE"
    log "default mirror failed; retrying with the host's apt mirror"
    run_debootstrap "$mirror" || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
fi
log "debootstrap done in $((SECONDS - t1)) s"

# Keep the image small: no package lists or downloaded archives (like the slim images).
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
       "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/archives/partial/* \
       "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* "$ROOTFS"/debootstrap
log "root fs size $(du -sh --one-file-system "$ROOTFS" | cut -f1)"

t2=$SECONDS
tar --numeric-owner -C "$ROOTFS" -c . \
    | docker import \
        --change 'CMD ["python3"]' \
        --change 'ENV PYTHONUNBUFFERED=1' \
        --change 'ENV LANG=C.UTF-8' \
        --change "LABEL pilot.recipe=$RECIPE" \
        - "$TAG" >/dev/null
log "docker import done in $((SECONDS - t2)) s"

docker run --rm "$TAG" python -c 'import psycopg2, venv, sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "smoke test of $TAG failed"
log "built $TAG ($(docker image inspect --format '{{.Size}}' "$TAG" | awk '{printf "%d MB", $1/1e6}')) in $((SECONDS - t0)) s"
