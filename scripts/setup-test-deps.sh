#!/usr/bin/env bash
# The system packages the tests drive besides Node: Chromium (the admin UI tests, through
# playwright-core), nginx (the failover test) and the DejaVu fonts (the processing tests render
# lines of text into images with them). Installs whichever is missing with apt (Debian);
# does nothing when both are there. The README's test line and .ci/run both call this.
set -euo pipefail

need=()
chromium="${HEARTH_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || need+=(chromium)
# /usr/sbin is not on every user's PATH; the tests look there too (test/follow/nginx.ts).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need ${need[*]}; install it with your system's package manager (or set HEARTH_CHROMIUM to a Chromium binary)." >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "The tests need ${need[*]}: as root, run  apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi
echo "Installing ${need[*]} for the tests (apt)…" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
