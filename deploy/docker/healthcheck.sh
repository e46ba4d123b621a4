#!/usr/bin/env bash
# Container health probe for bmspace: GET /healthz, healthy only on HTTP 200.
# The runtime-deps base image ships neither curl nor wget, and adding a package would mean a RUN step in the
# target-architecture stage (emulated when building arm64 on an amd64 machine). bash can open a TCP socket
# itself through its /dev/tcp redirection, which is enough for one plain HTTP/1.0 request.
# The port follows prometheus.listen; set HEALTHCHECK_PORT when you move it away from 9863. (Not a BMSPACE_
# variable on purpose: bmspace rejects BMSPACE_ variables that name no configuration key.)
# With a web configuration file (prometheus.web_config_file): basic auth only, put "user:password" in a file (a
# Docker secret) and set HEALTHCHECK_AUTH_FILE to its path; with TLS on, bash cannot speak TLS, so set
# HEALTHCHECK_TLS=1 and the probe only checks that the port accepts connections.
set -euo pipefail
port="${HEALTHCHECK_PORT:-9863}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
if [ "${HEALTHCHECK_TLS:-0}" = "1" ]; then
  exec 3<&-
  exit 0
fi
auth=""
if [ -n "${HEALTHCHECK_AUTH_FILE:-}" ]; then
  auth="Authorization: Basic $(tr -d '\r\n' <"$HEALTHCHECK_AUTH_FILE" | base64 -w0)"$'\r\n'
fi
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n%sConnection: close\r\n\r\n' "$auth" >&3
IFS= read -r -t 4 status_line <&3
exec 3<&-
case "$status_line" in
  "HTTP/"*" 200"*) exit 0 ;;
  *) echo "bmspace /healthz answered: ${status_line:-nothing}" >&2; exit 1 ;;
esac
