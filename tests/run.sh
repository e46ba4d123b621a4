#!/usr/bin/env bash
# Runs every test of BmsPace. Installs what the tests need first (the real servers they start: Prometheus and
# promtool, InfluxDB 1.x, VictoriaMetrics, socat, Mosquitto; the shipping checks' tools: systemd-analyze, node and npm, which
# fetch the Dockerfile linter into .test-work/; docker.io, podman and debootstrap for the container images, whose
# base stand-ins are cached in ~/.cache/bmspace/images), then builds and runs both test projects, then prints the
# plain closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

need_packages=()
command -v promtool >/dev/null 2>&1 || need_packages+=(prometheus)
command -v influxd >/dev/null 2>&1 || need_packages+=(influxdb)
command -v influx >/dev/null 2>&1 || need_packages+=(influxdb-client)
command -v victoria-metrics >/dev/null 2>&1 || need_packages+=(victoria-metrics)
command -v socat >/dev/null 2>&1 || need_packages+=(socat)
command -v mosquitto >/dev/null 2>&1 || need_packages+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || need_packages+=(mosquitto-clients)
# The web configuration tests make their certificate with openssl and their bcrypt hashes with htpasswd.
command -v openssl >/dev/null 2>&1 || need_packages+=(openssl)
command -v htpasswd >/dev/null 2>&1 || need_packages+=(apache2-utils)
# tests/soak_check.py, the soak's judge, is tested on a recorded run.
command -v python3 >/dev/null 2>&1 || need_packages+=(python3)
command -v systemd-analyze >/dev/null 2>&1 || need_packages+=(systemd)
command -v node >/dev/null 2>&1 || need_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || need_packages+=(npm)
# NativeAOT publishes: clang and zlib for linux-x64; lld, the aarch64 cross toolchain and arm64 zlib to
# cross-compile linux-arm64. node_exporter is the footprint benchmark's peer.
command -v clang >/dev/null 2>&1 || need_packages+=(clang)
command -v ld.lld >/dev/null 2>&1 || need_packages+=(lld)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need_packages+=(gcc-aarch64-linux-gnu)
command -v aarch64-linux-gnu-objcopy >/dev/null 2>&1 || need_packages+=(binutils-aarch64-linux-gnu)
command -v prometheus-node-exporter >/dev/null 2>&1 || need_packages+=(prometheus-node-exporter)
# wrk loads the HTTP benchmarks (prometheus-metrics, status-json), with nginx as their peer.
command -v wrk >/dev/null 2>&1 || need_packages+=(wrk)
# The status page is tested in a real headless Chromium (driven through chromedriver), behind a real nginx acting as
# the Home Assistant ingress proxy.
command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_packages+=(chromium-driver)
command -v nginx >/dev/null 2>&1 || need_packages+=(nginx)
# The add-on's ingress test runs the program in a network namespace of its own (ip from iproute2; unshare and nsenter
# from util-linux) and asks it with curl from inside.
command -v ip >/dev/null 2>&1 || need_packages+=(iproute2)
command -v curl >/dev/null 2>&1 || need_packages+=(curl)
# The container image tests: deploy/build-images.sh builds with podman on base stand-ins made with debootstrap and
# Debian's packages; the tests run the images in a Docker daemon (docker.io) that their fixture starts and stops.
command -v dockerd >/dev/null 2>&1 || need_packages+=(docker.io)
command -v podman >/dev/null 2>&1 || need_packages+=(podman)
command -v debootstrap >/dev/null 2>&1 || need_packages+=(debootstrap)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need_packages+=(zlib1g-dev)
dpkg -s zlib1g-dev:arm64 >/dev/null 2>&1 || need_packages+=(zlib1g-dev:arm64)
# build-images.sh takes the arm64 image's libraries from Debian's arm64 packages (apt-get download): apt must list arm64.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  need_packages+=(libc6:arm64)
fi
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "Installing test servers: ${need_packages[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  if [[ " ${need_packages[*]} " == *":arm64 "* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo_cmd dpkg --add-architecture arm64
  fi
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi
# Installing the Debian packages may start their services: they are left alone (they may be the user's own broker
# or database); every test starts its own instance on free loopback ports.

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
dotnet test BmsPace.sln --nologo -c Debug --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  f=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or a test host failed before any result was written: count it so it is not read as green.
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
