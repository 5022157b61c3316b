#!/bin/sh
# Runs bench/plot/plot.py in its own venv (created on first use; matplotlib from PyPI).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/.venv/bin/python" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
fi
exec "$here/.venv/bin/python" "$here/plot.py" "$@"
