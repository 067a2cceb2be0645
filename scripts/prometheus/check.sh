#!/usr/bin/env bash
# Checks the alert rules: `promtool check rules` on deploy/prometheus/alerts.yml and
# `promtool test rules` on its unit tests, deploy/prometheus/alerts.test.yml.
# Installs Debian's prometheus package (which brings promtool) when promtool is missing,
# the same way scripts/engines/start.sh does.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=../engines/lib.sh
. scripts/engines/lib.sh
mkdir -p "$CACHE_DIR" # apt_install's lock and log live there
command -v promtool >/dev/null || ENGINE=prometheus prometheus_install

promtool --version 2>&1 | sed -n 1p
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts.test.yml
