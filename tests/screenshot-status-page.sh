#!/usr/bin/env bash
# Redraws docs/status-page.png: the status page of three simulated PACE packs and a simulated Seplos battery, taken
# by Debian's headless Chromium (apt-get install chromium). Usage: bash tests/screenshot-status-page.sh [WIDTH HEIGHT]
set -euo pipefail
cd "$(dirname "$0")/.."
width="${1:-1440}"
height="${2:-1000}"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$work/config.yaml" <<YAML
scan_interval: 2s
console:
  enabled: false
prometheus:
  listen: 127.0.0.1:$port
batteries:
  - name: house
    connection: simulator?packs=3
  - name: shed
    connection: simulator?packs=1&protocol=seplos&seed=5
YAML
dotnet build src/BmsPace -v quiet -nologo >/dev/null
dotnet run --no-build --project src/BmsPace -- run --config "$work/config.yaml" >"$work/run.log" 2>&1 &
exporter=$!
trap 'kill "$exporter" 2>/dev/null || true; wait "$exporter" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do
  if curl -fs "http://127.0.0.1:$port/api/v1/status" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(b["state"] == "fresh" for b in d["batteries"]) else 1)' 2>/dev/null; then
    break
  fi
  sleep 1
done
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-color-profile=srgb \
  --window-size="$width,$height" --timeout=4000 --screenshot="$work/shot.png" "http://127.0.0.1:$port/" >/dev/null 2>&1
cp "$work/shot.png" docs/status-page.png
echo "docs/status-page.png: ${width}x${height}, from $(grep -c . "$work/run.log") log lines of a simulated run"
