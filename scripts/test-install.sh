#!/usr/bin/env bash
# Tests scripts/install.sh by installing into a temporary root, twice, and checking the files,
# their modes, that an existing configuration is kept, and the systemd unit (with
# `systemd-analyze verify` when it is available, by its keys otherwise).
#
#   scripts/test-install.sh [--binary PATH]
#
# Without --binary it builds the debug binary first. Exits non-zero on any problem.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
binary=
while [ $# -gt 0 ]; do
  case "$1" in
    --binary)
      [ $# -ge 2 ] || { echo "test-install.sh: --binary needs a path" >&2; exit 2; }
      binary="$2"
      shift 2
      ;;
    *)
      echo "usage: scripts/test-install.sh [--binary PATH]" >&2
      exit 2
      ;;
  esac
done
if [ -z "$binary" ]; then
  (cd "$repo" && cargo build --locked -p omnimessage-smpp)
  binary="$repo/target/debug/omnimessage-smpp"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
failures=0
problem() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
ok() { echo "ok: $*"; }
# Runs the command after $1 and reports $1 as passed or failed.
expect() {
  local what="$1"
  shift
  if "$@"; then ok "$what"; else problem "$what"; fi
}

# Asserts that $1 exists with octal mode $2 and is of type $3 (f or d).
check_mode() {
  local path="$1" mode="$2" type="$3" actual
  if ! test "-$type" "$path"; then
    problem "$path is missing (or not a $([ "$type" = d ] && echo directory || echo file))"
    return
  fi
  actual="$(stat -c %a "$path")"
  if [ "$actual" = "$mode" ]; then
    ok "$path has mode $mode"
  else
    problem "$path has mode $actual, expected $mode"
  fi
}

run_install() {
  if ! "$repo/scripts/install.sh" --prefix "$root" --binary "$binary" >"$work/install.log" 2>&1; then
    problem "install.sh failed:"
    cat "$work/install.log" >&2
    return 1
  fi
}

bin="$root/usr/local/bin/omnimessage-smpp"
unit="$root/etc/systemd/system/omnimessage-smpp.service"
config="$root/etc/omnimessage-smpp/gateway.toml"

# First install.
run_install
check_mode "$bin" 755 f
check_mode "$unit" 644 f
check_mode "$root/etc/omnimessage-smpp" 750 d
check_mode "$config" 600 f
check_mode "$root/var/lib/omnimessage-smpp" 750 d
check_mode "$root/usr/local/share/doc/omnimessage-smpp/CONFIGURATION.md" 644 f
expect "binary installed unchanged" cmp -s "$binary" "$bin"
expect "unit installed unchanged" cmp -s "$repo/scripts/omnimessage-smpp.service" "$unit"
expect "config created from the example" \
  cmp -s "$repo/config/examples/single-carrier.toml" "$config"
expect "no user, ownership or daemon-reload outside /" \
  grep -q "skipped the omnimessage-smpp user" "$work/install.log"
if "$bin" config check "$config" >"$work/check.log" 2>&1; then
  ok "installed binary accepts the installed config"
else
  problem "omnimessage-smpp config check $config failed:"
  cat "$work/check.log" >&2
fi

# Second install: idempotent, and the operator's configuration survives.
echo '# edited by the operator' >>"$config"
chmod 0640 "$config"
before="$(cd "$root" && find . -printf '%p %m\n' | sort)"
run_install
after="$(cd "$root" && find . -printf '%p %m\n' | sort)"
expect "existing config kept" grep -q '# edited by the operator' "$config"
expect "install.sh says it kept the config" grep -q "kept existing" "$work/install.log"
expect "second install leaves the same files and modes" [ "$before" = "$after" ]
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") >&2 || true
fi
if find "$root" -name '.install.*' | grep -q .; then
  problem "temporary files left behind: $(find "$root" -name '.install.*')"
fi

# Bad arguments are refused.
if "$repo/scripts/install.sh" --prefix "$root" --binary "$work/missing" >/dev/null 2>&1; then
  problem "install.sh accepted a missing binary"
else
  ok "missing binary refused"
fi
set +e
"$repo/scripts/install.sh" --bogus >/dev/null 2>&1
status=$?
set -e
expect "unknown argument refused with status 2 (got $status)" [ "$status" -eq 2 ]

# The unit's settings.
# shellcheck disable=SC2016 # $MAINPID is systemd's, not ours
for line in \
  'User=omnimessage-smpp' \
  'Group=omnimessage-smpp' \
  'ExecStart=/usr/local/bin/omnimessage-smpp --config /etc/omnimessage-smpp/gateway.toml' \
  'ExecReload=/bin/kill -HUP $MAINPID' \
  'LimitMEMLOCK=infinity' \
  'LimitNOFILE=65536' \
  'Restart=on-failure' \
  'RestartSec=2' \
  'StateDirectory=omnimessage-smpp' \
  'NoNewPrivileges=yes' \
  'ProtectSystem=strict' \
  'ReadWritePaths=/var/lib/omnimessage-smpp' \
  'ProtectHome=yes' \
  'PrivateTmp=yes' \
  'CapabilityBoundingSet=' \
  'AmbientCapabilities=' \
  'WantedBy=multi-user.target'; do
  expect "unit has the line $line" grep -qxF -- "$line" "$unit"
done

# systemd-analyze verify checks every key and that ExecStart exists; the binary is in the
# temporary root, so verify a copy whose ExecStart points there. It exits 0 on mere warnings
# (unknown keys, bad values), so any output is a failure.
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$work/verify"
  sed "s|^ExecStart=/usr/local/bin/|ExecStart=$root/usr/local/bin/|" "$unit" \
    >"$work/verify/omnimessage-smpp.service"
  if output="$(systemd-analyze verify "$work/verify/omnimessage-smpp.service" 2>&1)" &&
    [ -z "$output" ]; then
    ok "systemd-analyze verify accepts the unit"
  else
    problem "systemd-analyze verify: $output"
  fi
else
  echo "note: systemd-analyze is not installed; the unit was checked by its keys only"
fi

if [ "$failures" -ne 0 ]; then
  echo "test-install.sh: $failures problem(s)" >&2
  exit 1
fi
echo "test-install.sh: all checks passed"
