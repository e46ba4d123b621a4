#!/usr/bin/env bash
# Soak: `bmspace run` polls a simulated BMS with a mix of faults every second for MINUTES minutes.
#
#   bash tests/soak.sh MINUTES [RUN_DIR]
#
# The simulator is a separate `bmspace simulate` process on a TCP port; the exporter reaches it through socat, whose hex
# dump of the link (RUN_DIR/wire.log) is the record of what the simulator sent. Every 5 s /metrics is scraped and saved
# with the wire log's length at that moment; every 30 s the exporter's RSS, open descriptors and threads are sampled.
# At the end tests/soak_check.py compares every scraped pack value with the intact replies sent before the scrape and
# prints the trend, the count of wrong values and a last line "soak: PASS ..." or "soak: FAIL ..." (exit 0 or 1).
# Uses the Release build (built here when missing). Needs socat, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${1:?usage: bash tests/soak.sh MINUTES [RUN_DIR]}
run=${2:-$(mktemp -d /tmp/bmspace-soak.XXXXXX)}
mkdir -p "$run/scrapes"
packs=3
tail_bytes=14
# Every-K-th faults with co-prime K so their combinations vary; noise, echo and split on every reply.
faults=(--fault badchk:7 --fault badlen:11 --fault truncate:13 --fault silent:17 --fault drop:19 --fault rtn:23
        --fault wrongaddr:29 --fault garbage:6 --fault echo --fault split)

bmspace=src/BmsPace/bin/Release/net10.0/bmspace
if [ ! -x "$bmspace" ]; then
  dotnet build src/BmsPace -c Release -v q >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port=$(free_port)
wire_port=$(free_port)
metrics_port=$(free_port)

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

"$bmspace" simulate --tcp "127.0.0.1:$sim_port" --packs "$packs" --tail "$tail_bytes" --seed 7 "${faults[@]}" \
  >"$run/simulate.log" 2>&1 &
pids+=($!)
TZ=UTC socat -x TCP-LISTEN:"$wire_port",bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:"$sim_port" 2>"$run/wire.log" &
pids+=($!)

cat >"$run/config.yaml" <<EOF
scan_interval: 1s
request_timeout: 1s
request_gap: 50ms
batteries:
  - name: main
    connection: tcp://127.0.0.1:$wire_port
    protocol: pace
prometheus:
  listen: 127.0.0.1:$metrics_port
EOF
"$bmspace" run --config "$run/config.yaml" >"$run/exporter.log" 2>&1 &
exporter=$!
pids+=($exporter)

for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$metrics_port/metrics" -o /dev/null && break
  sleep 0.2
done

echo "soak: $minutes minutes, run directory $run (exporter pid $exporter)"
printf 'seconds\trss_kib\tfds\tthreads\n' >"$run/samples.tsv"
: >"$run/scrapes.tsv"
start=$(date +%s)
end=$((start + minutes * 60))
next_sample=$start
n=0
while [ "$(date +%s)" -lt "$end" ]; do
  if ! kill -0 "$exporter" 2>/dev/null; then
    echo "soak: FAIL: the exporter exited (see $run/exporter.log)"
    exit 1
  fi
  now=$(date +%s)
  if [ "$now" -ge "$next_sample" ]; then
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$exporter/status")
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$exporter/status")
    fds=$(ls "/proc/$exporter/fd" | wc -l)
    printf '%s\t%s\t%s\t%s\n' "$now" "$rss" "$fds" "$threads" >>"$run/samples.tsv"
    echo "soak: +$(( (now - start) / 60 ))m rss ${rss} KiB, fds $fds, threads $threads"
    next_sample=$((next_sample + 30))
  fi
  n=$((n + 1))
  name=$(printf '%05d.txt' "$n")
  if curl -sf --max-time 5 "http://127.0.0.1:$metrics_port/metrics" -o "$run/scrapes/$name"; then
    # socat may log a chunk just after forwarding it: let the log catch up before taking its length.
    sleep 0.3
    printf '%s\t%s\t%s\n' "$name" "$(date +%s)" "$(stat -c %s "$run/wire.log")" >>"$run/scrapes.tsv"
  fi
  sleep 4.7
done

kill "$exporter" 2>/dev/null || true
wait "$exporter" 2>/dev/null || true
echo "soak: exporter log: $(grep -c ' warn:' "$run/exporter.log" || true) warnings, $(grep -c ' fail:\| crit:' "$run/exporter.log" || true) errors"
last=$(ls "$run/scrapes" | tail -n 1)
echo "soak: request failures by reason (from the last scrape, the faults seen by the exporter):" \
  "$(awk -F'reason="' '/^pace_bms_request_failures_total/ {split($2, r, "\""); split($0, v, "} "); sum[r[1]] += v[2]}
       END {for (k in sum) if (sum[k] > 0) printf "%s %d, ", k, sum[k]}' "$run/scrapes/$last")" \
  "reconnects $(awk '/^pace_bms_reconnects_total/ {print $2}' "$run/scrapes/$last")"
SOAK_TAIL=$tail_bytes python3 tests/soak_check.py "$run"
