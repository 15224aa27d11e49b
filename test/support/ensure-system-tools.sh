#!/usr/bin/env bash
# Installs the system tools the test suite runs for real, once, before the tests (npm's pretest).
# As root it uses apt-get; otherwise it stops with one line naming what is missing and how to get it.
set -euo pipefail

# command → Debian package (Debian 12: Prometheus 2.42 with promtool, Alertmanager 0.25 with amtool,
# HAProxy 2.6 in front of the chaos suite's replicas, Chromium for the console's browser tests,
# which drive the distribution's build so nothing is downloaded at test time).
declare -A PACKAGE_OF=(
  [redis-server]=redis-server
  [prometheus]=prometheus
  [promtool]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
  [amtool]=prometheus-alertmanager
  [jsonnet]=jsonnet
  [haproxy]=haproxy
  [chromium]=chromium
)

# file → Debian package: the report's PNG plots draw their text with DejaVu Sans (resvg has no
# built-in font).
declare -A PACKAGE_OF_FILE=(
  [/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]=fonts-dejavu-core
)

missing_packages=()
missing_commands=()
for command_name in "${!PACKAGE_OF[@]}"; do
  if ! command -v "$command_name" >/dev/null 2>&1; then
    missing_commands+=("$command_name")
    missing_packages+=("${PACKAGE_OF[$command_name]}")
  fi
done
for file in "${!PACKAGE_OF_FILE[@]}"; do
  if [ ! -e "$file" ]; then
    missing_commands+=("$file")
    missing_packages+=("${PACKAGE_OF_FILE[$file]}")
  fi
done
[ ${#missing_packages[@]} -eq 0 ] && exit 0
# Unique package names (promtool and prometheus share one). Tests start their own instances on
# free ports, so a service the package may start on its default port is never in the way.
mapfile -t unique_packages < <(printf '%s\n' "${missing_packages[@]}" | sort -u)

if [ "$EUID" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "levee tests: missing ${missing_commands[*]}; install with: sudo apt-get install ${unique_packages[*]}" >&2
  exit 1
fi

echo "levee tests: installing ${unique_packages[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${unique_packages[@]}" >/dev/null
for needed in "${missing_commands[@]}"; do
  [ -e "$needed" ] || command -v "$needed" >/dev/null 2>&1 || { echo "levee tests: $needed still missing after apt-get install" >&2; exit 1; }
done
