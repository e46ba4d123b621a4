#!/usr/bin/env bash
# Redraws docs/status-page.png: the status page of three simulated PACE packs and a simulated Seplos battery, taken
# by Debian's headless Chromium (apt-get install chromium chromium-driver curl python3). Nothing comes from the network: the program
# runs its built-in simulators on a free loopback port.
# Usage: bash tests/screenshot-status-page.sh [WIDTH HEIGHT] (default 1440 1480: every battery of the simulated run)
set -euo pipefail
cd "$(dirname "$0")/.."
width="${1:-1440}"
height="${2:-1480}"
root="$(pwd)"
work="$(mktemp -d)"
exporter=""
cleanup() {
  if [ -n "$exporter" ]; then
    kill "$exporter" 2>/dev/null || true
    wait "$exporter" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
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
  - name: garage
    connection: simulator?packs=1&protocol=seplos&seed=5
YAML
dotnet build src/BmsPace -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
# The program itself (not `dotnet run`, whose child would outlive a kill), from an empty folder so no ./config.yaml
# of the checkout is read.
(cd "$work" && exec dotnet "$root/src/BmsPace/bin/Debug/net10.0/bmspace.dll" run --config "$work/config.yaml") >"$work/run.log" 2>&1 &
exporter=$!
fresh=""
for _ in $(seq 1 60); do
  if ! kill -0 "$exporter" 2>/dev/null; then
    echo "bmspace exited:" >&2
    cat "$work/run.log" >&2
    exit 1
  fi
  if curl -fs "http://127.0.0.1:$port/api/v1/status" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(b["state"] == "fresh" for b in d["batteries"]) else 1)' 2>/dev/null; then
    fresh=1
    break
  fi
  sleep 1
done
if [ -z "$fresh" ]; then
  echo "the simulated batteries never became fresh:" >&2
  cat "$work/run.log" >&2
  exit 1
fi
# Chromium driven through Debian's chromedriver (WebDriver over HTTP, from python3's standard library): the picture
# is taken once the page is live and shows every battery, not after a guessed delay.
driver_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
chromedriver --port="$driver_port" >"$work/chromedriver.log" 2>&1 &
driver=$!
trap 'kill "$driver" 2>/dev/null || true; cleanup' EXIT
python3 - "$driver_port" "http://127.0.0.1:$port/" "$width" "$height" "$work/shot.png" <<'PY'
import base64, json, sys, time, urllib.request
driver_port, url, width, height, out = sys.argv[1:]
base = f"http://127.0.0.1:{driver_port}"
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["value"]
for _ in range(100):
    try:
        call("GET", "/status")
        break
    except OSError:
        time.sleep(0.1)
args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-color-profile=srgb",
        f"--window-size={width},{height}", "--lang=en-GB"]
session = call("POST", "/session", {"capabilities": {"alwaysMatch": {"browserName": "chrome",
    "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}})["sessionId"]
try:
    call("POST", f"/session/{session}/url", {"url": url})
    probe = ("var link = document.getElementById('link'); "
             "return link.dataset.state + ' ' + document.querySelectorAll('section[aria-labelledby] article[data-pack]').length;")
    state = ""
    for _ in range(300):
        state = call("POST", f"/session/{session}/execute/sync", {"script": probe, "args": []})
        if state == "live 4":
            break
        time.sleep(0.1)
    else:
        sys.exit(f"the page never showed 4 live packs (last: {state})")
    time.sleep(0.5)
    with open(out, "wb") as shot:
        shot.write(base64.b64decode(call("GET", f"/session/{session}/screenshot")))
finally:
    call("DELETE", f"/session/{session}")
PY
cp "$work/shot.png" docs/status-page.png
echo "docs/status-page.png: ${width}x${height}, the status page of a simulated run (3 PACE packs, 1 Seplos pack)"
