#!/usr/bin/env bash
# Choose the base images and fill the wheelhouse, then write the choice to .images.env
# (BASE_IMAGE, POSTGRES_IMAGE) for the Makefile and the tests.
#
# An image given in the environment is used as it is. Otherwise python:3.11-slim and
# postgres:15 are used when they are here or can be pulled; on a machine with no registry,
# local stand-ins are built instead: pilot-local/python:3.11-slim (debootstrap) and
# pilot-local/postgres:15 (Debian's PostgreSQL 15 on that base).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'images: %s\n' "$*"; }
die() { printf 'images: ERROR: %s\n' "$*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "Docker Engine is not reachable (run: make provision)"

available() { # image: here already, or pulled now
    docker image inspect "$1" >/dev/null 2>&1 || docker pull --quiet "$1" >/dev/null 2>&1
}

if [ -n "${BASE_IMAGE:-}" ]; then
    available "$BASE_IMAGE" || die "BASE_IMAGE=$BASE_IMAGE is neither here nor pullable"
elif available python:3.11-slim; then
    BASE_IMAGE=python:3.11-slim
else
    log "python:3.11-slim cannot be pulled here: using a local stand-in"
    BASE_IMAGE=pilot-local/python:3.11-slim
    BASE_IMAGE_TAG=$BASE_IMAGE bash images/base/build.sh
fi

if [ -n "${POSTGRES_IMAGE:-}" ]; then
    available "$POSTGRES_IMAGE" || die "POSTGRES_IMAGE=$POSTGRES_IMAGE is neither here nor pullable"
elif available postgres:15; then
    POSTGRES_IMAGE=postgres:15
else
    POSTGRES_IMAGE=pilot-local/postgres:15
    # Built every time: the layer cache makes it a second when nothing changed, and a
    # changed images/postgres/ is never left unbuilt.
    log "postgres:15 cannot be pulled here: building $POSTGRES_IMAGE on $BASE_IMAGE"
    if ! docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$POSTGRES_IMAGE" \
        images/postgres >"${TMPDIR:-/tmp}/pilot-postgres-build.log" 2>&1; then
        tail -n 30 "${TMPDIR:-/tmp}/pilot-postgres-build.log" >&2
        die "building $POSTGRES_IMAGE failed"
    fi
fi

# The wheelhouse: the monitor's dependencies (from pyproject.toml), the demo app's driver and
# the build backend, as Linux wheels for CPython 3.11. Images install from it offline.
# pip skips what is already there; without an index, the wheelhouse is used as it is.
mapfile -t requirements < <(python3 -c '
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))
print("\n".join(project["build-system"]["requires"] + project["project"]["dependencies"]))')
[ "${#requirements[@]}" -gt 0 ] || die "cannot read the dependencies from pyproject.toml (python3 >= 3.11 needed)"
log "filling the wheelhouse (wheels/) with pip download"
if ! python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
    --python-version 3.11 --implementation cp --platform "manylinux2014_$(uname -m)" \
    -d wheels "${requirements[@]}" psycopg2-binary </dev/null 2>wheels/.download.log; then
    ls wheels/*.whl >/dev/null 2>&1 || { cat wheels/.download.log >&2; die "pip download failed and wheels/ is empty"; }
    log "pip download failed: using the wheelhouse as it is (see wheels/.download.log)"
fi
log "wheelhouse: $(ls wheels/*.whl | wc -l) wheels"

printf 'BASE_IMAGE=%s\nPOSTGRES_IMAGE=%s\n' "$BASE_IMAGE" "$POSTGRES_IMAGE" >.images.env
log "BASE_IMAGE=$BASE_IMAGE POSTGRES_IMAGE=$POSTGRES_IMAGE (saved in .images.env)"
