#!/usr/bin/env bash
# Refuses to start the demo when its network exists and belongs to another compose project
# (the real FootballPrediction stack, most likely): the demo would join it, and its `db`
# and backfill would meet the real ones there.
set -euo pipefail
demo_project=$1
network=${DEMO_NETWORK:-football-prediction}
docker network inspect "$network" >/dev/null 2>&1 || exit 0
owner=$(docker network inspect --format '{{index .Labels "com.docker.compose.project"}}' "$network")
[ "$owner" = "$demo_project" ] && exit 0
echo "make: the network $network exists and belongs to ${owner:-no compose project}, not to the demo:" \
    "the demo would join it. Stop that stack, or give the demo a network of its own:" \
    "make demo DEMO_NETWORK=football-prediction-demo"
exit 2
