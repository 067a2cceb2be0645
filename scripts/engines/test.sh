#!/usr/bin/env bash
# Starts the real engines, runs the contract suites against them, and stops them again.
# Qdrant included. The engines are this run's own, so its fault tests
# (tests/backends/faults.*) may kill and restart them. Everything the engines' env file
# holds is exported, the secured links' SECURE_* settings (tests/backends/links.*) included.
set -euo pipefail
cd "$(dirname "$0")/../.."

run_dir="${RAGPLANE_ENGINES_DIR:-$PWD/.engines}"
export RAGPLANE_ENGINES_DIR="$run_dir"

cleanup() { bash scripts/engines/stop.sh all || true; }
trap cleanup EXIT

bash scripts/engines/start.sh all
# grpcio and the client generators, for the tests of Python and Go clients
bash scripts/clients/tools.sh
set -a
# shellcheck disable=SC1091
. "$run_dir/env"
set +a
export RAGPLANE_ENGINE_FAULTS=1
npx vitest run --config vitest.backends.config.ts "$@"
