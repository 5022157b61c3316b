#!/usr/bin/env bash
# Installs omnimessage-smpp as a systemd service. Safe to run again: it updates the binary, the
# unit and the documentation, and never overwrites an existing configuration.
#
#   scripts/install.sh [--prefix ROOT] [--binary PATH]
#
#   --prefix ROOT   install below ROOT instead of / (packaging, tests); the system user and
#                   `systemctl daemon-reload` are only done when ROOT is / and we run as root
#   --binary PATH   install this binary instead of building one (`cargo build --release`)
#
# Result (below ROOT):
#   usr/local/bin/omnimessage-smpp                       0755
#   etc/systemd/system/omnimessage-smpp.service          0644
#   etc/omnimessage-smpp/                                0750 (group omnimessage-smpp)
#   etc/omnimessage-smpp/gateway.toml                    0600 (owner omnimessage-smpp), created
#                                                        from config/examples/single-carrier.toml
#                                                        only if absent
#   var/lib/omnimessage-smpp/                            0750 (owner omnimessage-smpp)
#   usr/local/share/doc/omnimessage-smpp/*.md            0644
set -euo pipefail

SERVICE_USER=omnimessage-smpp
repo="$(cd "$(dirname "$0")/.." && pwd)"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
fail() {
  echo "install.sh: $*" >&2
  exit 1
}

root=/
binary=
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix)
      [ $# -ge 2 ] || fail "--prefix needs a directory"
      root="$2"
      shift 2
      ;;
    --binary)
      [ $# -ge 2 ] || fail "--binary needs a path"
      binary="$2"
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      echo "install.sh: unknown argument: $1" >&2
      exit 2
      ;;
  esac
done

mkdir -p "$root" || fail "cannot create $root"
root="$(cd "$root" && pwd)"
# Paths below are "$root$path"; with root=/ that would give //usr/..., harmless but ugly.
[ "$root" = / ] && base= || base="$root"
system_install=false
[ "$root" = / ] && [ "$(id -u)" -eq 0 ] && system_install=true

if [ -z "$binary" ]; then
  command -v cargo >/dev/null 2>&1 || fail "cargo is not on PATH; pass --binary PATH or install Rust"
  echo "building the release binary (cargo build --release)"
  (cd "$repo" && cargo build --release --locked -p omnimessage-smpp)
  binary="$repo/target/release/omnimessage-smpp"
fi
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
  fail "$binary is not an executable file"
fi

example="$repo/config/examples/single-carrier.toml"
unit="$repo/scripts/omnimessage-smpp.service"
[ -f "$example" ] || fail "missing $example"
[ -f "$unit" ] || fail "missing $unit"

# Copies $1 to $2 with mode $3 through a temporary file in the same directory, so that a running
# binary is replaced, not overwritten in place.
put() {
  local source="$1" target="$2" mode="$3" dir
  dir="$(dirname "$target")"
  mkdir -p "$dir"
  local temporary
  temporary="$(mktemp "$dir/.install.XXXXXX")"
  cp "$source" "$temporary"
  chmod "$mode" "$temporary"
  mv -f "$temporary" "$target"
  echo "installed $target"
}

put "$binary" "$base/usr/local/bin/omnimessage-smpp" 0755
put "$unit" "$base/etc/systemd/system/omnimessage-smpp.service" 0644
for doc in "$repo"/docs/*.md; do
  if [ -f "$doc" ]; then
    put "$doc" "$base/usr/local/share/doc/omnimessage-smpp/$(basename "$doc")" 0644
  fi
done

if $system_install && ! getent passwd "$SERVICE_USER" >/dev/null; then
  nologin="$(command -v nologin || echo /usr/sbin/nologin)"
  useradd --system --user-group --home-dir /var/lib/omnimessage-smpp --no-create-home \
    --shell "$nologin" --comment "OmniMessage SMPP gateway" "$SERVICE_USER"
  echo "created system user $SERVICE_USER"
fi

config_dir="$base/etc/omnimessage-smpp"
config="$config_dir/gateway.toml"
state_dir="$base/var/lib/omnimessage-smpp"
mkdir -p "$config_dir" "$state_dir"
chmod 0750 "$config_dir" "$state_dir"
if [ -e "$config" ]; then
  echo "kept existing $config"
else
  (umask 077 && cp "$example" "$config")
  chmod 0600 "$config"
  echo "created $config from config/examples/single-carrier.toml: edit it before starting"
fi

if $system_install; then
  chown "root:$SERVICE_USER" "$config_dir"
  chown "$SERVICE_USER:$SERVICE_USER" "$config" "$state_dir"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "ran systemctl daemon-reload"
  else
    echo "systemd is not running here: skipped systemctl daemon-reload"
  fi
  cat <<EOF

Next: edit $config (or convert the original gateway's runtime.exs with
  omnimessage-smpp config import runtime.exs), check it with
  omnimessage-smpp config check $config
and start the service with
  systemctl enable --now omnimessage-smpp
EOF
else
  echo "not a system install (prefix $root, uid $(id -u)): skipped the $SERVICE_USER user," \
    "file ownership and systemctl daemon-reload"
fi
