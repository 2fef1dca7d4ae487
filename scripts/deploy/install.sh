#!/usr/bin/env bash
# Installs or upgrades the ratwatch agent on Linux (systemd) or macOS (launchd). Run as root; safe to run
# again: it replaces the executable, keeps an existing config unless --config is given, and restarts the
# service. DESTDIR=/some/dir stages every file under that directory and touches no service manager
# (packaging and tests).
#   install.sh [--binary PATH] [--config FILE] [--no-start]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DESTDIR="${DESTDIR:-}"
os="${RATWATCH_INSTALL_OS:-$(uname -s)}"
binary=""
config=""
start=1

die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="${2:?--binary needs a path}"; shift 2 ;;
    --config) config="${2:?--config needs a file}"; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done

case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "unsupported CPU $(uname -m)" ;;
esac

case "$os" in
  Linux|linux)
    os=linux
    bin_path=/usr/local/bin/ratwatch
    config_path=/etc/ratwatch.yaml
    state_dir=/var/lib/ratwatch
    group=root
    ;;
  Darwin|darwin)
    os=darwin
    # only an x64 build exists; Apple silicon runs it under Rosetta 2
    arch=x64
    bin_path=/usr/local/bin/ratwatch
    config_path="/Library/Application Support/ratwatch/ratwatch.yaml"
    state_dir="/Library/Application Support/ratwatch"
    group=wheel
    ;;
  *) die "unsupported OS $os (use install.ps1 on Windows)" ;;
esac

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then die "run as root (or set DESTDIR to stage files)"; fi

if [ -z "$binary" ]; then
  for candidate in "$here/ratwatch-$os-$arch" "$here/ratwatch" "$here/../../dist/ratwatch-$os-$arch"; do
    if [ -f "$candidate" ]; then binary="$candidate"; break; fi
  done
  [ -n "$binary" ] || die "no ratwatch-$os-$arch next to this script; pass --binary PATH"
fi
[ -f "$binary" ] || die "binary not found: $binary"
if [ -n "$config" ] && [ ! -f "$config" ]; then die "config not found: $config"; fi

owner() {
  # a staged tree (DESTDIR) keeps the packager's ownership; the package format sets the final owner
  if [ -z "$DESTDIR" ]; then chown "root:$group" "$@"; fi
}

# executable: write next to the target and rename, so a running daemon never sees a half-written file
mkdir -p "$DESTDIR$(dirname "$bin_path")"
cp "$binary" "$DESTDIR$bin_path.new"
chmod 0755 "$DESTDIR$bin_path.new"
owner "$DESTDIR$bin_path.new"
mv -f "$DESTDIR$bin_path.new" "$DESTDIR$bin_path"
if [ "$os" = darwin ] && command -v xattr >/dev/null 2>&1; then
  # a browser download carries a quarantine flag that would block a daemon launched by launchd
  xattr -d com.apple.quarantine "$DESTDIR$bin_path" 2>/dev/null || true
fi

# state (spool, agent id) and config: root only
mkdir -p "$DESTDIR$state_dir"
chmod 0700 "$DESTDIR$state_dir"
owner "$DESTDIR$state_dir"
mkdir -p "$DESTDIR$(dirname "$config_path")"
if [ -n "$config" ]; then
  (umask 077 && cp "$config" "$DESTDIR$config_path.new")
  chmod 0600 "$DESTDIR$config_path.new"
  mv -f "$DESTDIR$config_path.new" "$DESTDIR$config_path"
elif [ ! -f "$DESTDIR$config_path" ]; then
  # subshell: the umask must not leak into the directories created below
  (
    umask 077
    cat >"$DESTDIR$config_path" <<'YAML'
# ratwatch agent configuration; keys are listed in docs/deploy.md.
# Without endpoint.url the daemon scans on schedule and keeps reports in the spool;
# set it (and restart the agent) to deliver them, oldest first:
# endpoint:
#   url: https://ratwatch.example.com/api/v1/reports
#   tokenFile: ratwatch.token   # a path relative to this folder
schedule: "0 * * * *"
YAML
  )
fi
chmod 0600 "$DESTDIR$config_path"
owner "$DESTDIR$config_path"

"$DESTDIR$bin_path" --version >/dev/null || die "$DESTDIR$bin_path does not run"

if [ "$os" = linux ]; then
  unit_dir=/etc/systemd/system
  mkdir -p "$DESTDIR$unit_dir"
  cp "$here/systemd/ratwatch.service" "$DESTDIR$unit_dir/ratwatch.service"
  chmod 0644 "$DESTDIR$unit_dir/ratwatch.service"
  owner "$DESTDIR$unit_dir/ratwatch.service"
  if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable ratwatch.service >/dev/null
    if [ "$start" -eq 1 ]; then systemctl restart ratwatch.service; fi
  elif [ -z "$DESTDIR" ]; then
    echo "install.sh: systemd is not running here; start '$bin_path daemon --config $config_path' another way" >&2
  fi
else
  plist=/Library/LaunchDaemons/com.ratwatch.agent.plist
  mkdir -p "$DESTDIR$(dirname "$plist")"
  cp "$here/launchd/com.ratwatch.agent.plist" "$DESTDIR$plist"
  chmod 0644 "$DESTDIR$plist"
  owner "$DESTDIR$plist"
  if [ -z "$DESTDIR" ]; then
    # bootout fails when the job is not loaded yet, which is fine on a first install
    launchctl bootout system/com.ratwatch.agent 2>/dev/null || true
    if [ "$start" -eq 1 ]; then
      # enable first: bootstrap refuses a job an administrator disabled earlier
      launchctl enable system/com.ratwatch.agent
      launchctl bootstrap system "$plist"
    fi
  fi
fi

if ! grep -Eq '^[[:space:]]+url:' "$DESTDIR$config_path"; then
  # not an error: the daemon runs and spools; this only says why nothing reaches the server yet
  echo "note: no endpoint.url in $config_path: reports stay in the spool until one is set and the agent restarted"
fi
echo "ratwatch installed: $DESTDIR$bin_path (config $DESTDIR$config_path)"
