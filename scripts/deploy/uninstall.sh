#!/usr/bin/env bash
# Removes the ratwatch agent installed by install.sh. Keeps the config and the state directory (spool,
# agent id) unless --purge is given, so a reinstall reports as the same agent. Safe to run twice.
# DESTDIR=/some/dir works on a staged tree as install.sh does.
#   uninstall.sh [--purge]
set -euo pipefail

DESTDIR="${DESTDIR:-}"
os="${RATWATCH_INSTALL_OS:-$(uname -s)}"
purge=0

die() { echo "uninstall.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then die "run as root (or set DESTDIR)"; fi

case "$os" in
  Linux|linux)
    unit=/etc/systemd/system/ratwatch.service
    if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
      systemctl disable --now ratwatch.service 2>/dev/null || true
    fi
    rm -f "$DESTDIR$unit"
    if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    rm -f "$DESTDIR/usr/local/bin/ratwatch" "$DESTDIR/usr/local/bin/ratwatch.new"
    if [ "$purge" -eq 1 ]; then
      rm -f "$DESTDIR/etc/ratwatch.yaml"
      rm -rf "$DESTDIR/var/lib/ratwatch"
    fi
    ;;
  Darwin|darwin)
    plist=/Library/LaunchDaemons/com.ratwatch.agent.plist
    if [ -z "$DESTDIR" ]; then launchctl bootout system/com.ratwatch.agent 2>/dev/null || true; fi
    rm -f "$DESTDIR$plist" "$DESTDIR/usr/local/bin/ratwatch" "$DESTDIR/usr/local/bin/ratwatch.new"
    if [ "$purge" -eq 1 ]; then
      rm -rf "$DESTDIR/Library/Application Support/ratwatch"
      rm -f "$DESTDIR/Library/Logs/ratwatch.log" "$DESTDIR/Library/Logs/ratwatch.err.log"
    fi
    ;;
  *) die "unsupported OS $os (use uninstall.ps1 on Windows)" ;;
esac

if [ "$purge" -eq 1 ]; then echo "ratwatch removed (config and state purged)"; else echo "ratwatch removed"; fi
