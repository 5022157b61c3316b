#!/usr/bin/env bash
# Checks the monitoring assets with promtool: the scrape config, the alert rules and their unit
# tests, and every PromQL expression of the Grafana dashboard. With a URL argument it also
# checks a live gateway's exposition:  scripts/monitoring/check.sh http://127.0.0.1:4000/metrics
# promtool comes from Debian's `prometheus` package, installed here when missing (as root).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

if ! command -v promtool >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "promtool not found: installing Debian's prometheus package" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >&2
    else
        echo "promtool not found: install it (apt-get install prometheus) and run again" >&2
        exit 2
    fi
fi

promtool check config "$here/prometheus.yml"
promtool check rules "$here/smpp-alerts.yml"
promtool test rules "$here/smpp-alerts.test.yml"

# The dashboard's queries become recording rules so promtool parses each of them.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$here/grafana-dashboard.json" >"$tmp/dashboard-queries.yml" <<'PY'
import json, sys
dashboard = json.load(open(sys.argv[1]))
print("groups:\n  - name: dashboard_queries\n    rules:")
for panel in dashboard["panels"]:
    for target in panel.get("targets", []):
        expr = target["expr"].replace("$instance", ".*")
        name = "dashboard:panel_%d_%s" % (panel["id"], target["refId"])
        print("      - record: %s\n        expr: %s" % (name, json.dumps(expr)))
PY
promtool check rules "$tmp/dashboard-queries.yml"

if [ $# -ge 1 ]; then
    curl -fsS "$1" | promtool check metrics
    echo "$1: metrics OK"
fi
