#!/usr/bin/env bash
# Prepares a fresh Debian machine (as root) for the whole test suite: the real peers the end-to-end tests
# start on loopback and the OS tools the Linux collectors call. Idempotent: installs only what is missing.
# The README's test line and .ci/run both run it before `npm ci && npm test`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt_packages=(
  x11vnc xvfb tigervnc-standalone-server xrdp # VNC and RDP peers
  xpra websockify dropbear-bin openssh-server # interpreted and SSH servers (test/e2e/agent/linux-live-servers.test.ts)
  iproute2 procps openssl python3 systemd     # what the Linux collectors and fixtures call
  libglib2.0-bin                              # gsettings (test/live/agent/collectors/linux/spawn-free.test.ts)
  strace                                      # checks the unit's SystemCallFilter against a traced daemon
  chromium                                    # the console's browser tests (playwright-core drives it)
  postgresql                                  # ratwatch-server tests run on PostgreSQL as well as SQLite
  g++ make                                    # better-sqlite3 builds from source when its prebuilt binary cannot be downloaded
  binutils time                               # strip (packaged Linux node); GNU time for npm run bench
  fuse3 python3-fusepy                        # a FUSE file system whose reads hang (test/live/alone/hung-fuse.test.ts)
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
