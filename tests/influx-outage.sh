#!/usr/bin/env bash
# A long InfluxDB outage: `bmspace run` writes 2 simulated packs every second to a real InfluxDB 1.6, which is stopped
# for MINUTES minutes and started again.
#
#   bash tests/influx-outage.sh MINUTES [BUFFER_POINTS] [RUN_DIR]
#
# BUFFER_POINTS is influxdb.buffer_points (default 0: one hour of points, so nothing may be lost); give a number
# smaller than the outage produces (48 points a second) to run the overflow path, where the oldest points are dropped,
# counted in pace_bms_influxdb_points_dropped_total and reported once in the log.
# Points produced are counted from the console echo (one line per fresh pack per cycle, 24 points each: the pack, 16
# cells, 6 temperatures, the flags); points stored are counted in InfluxDB after the exporter has stopped (it flushes
# on SIGTERM). Passes when stored + dropped = produced, the log reports the overflow exactly once when there was one
# (and never otherwise), the buffer never held more than its capacity and memory stayed bounded.
# Uses the Release build (built here when missing). Needs influxd (Debian influxdb), curl, jq and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${1:?usage: bash tests/influx-outage.sh MINUTES [BUFFER_POINTS] [RUN_DIR]}
buffer_points=${2:-0}
run=${3:-$(mktemp -d /tmp/bmspace-outage.XXXXXX)}
mkdir -p "$run"
points_per_pack=24
warmup_seconds=30
settle_seconds=20

bmspace=src/BmsPace/bin/Release/net10.0/bmspace
if [ ! -x "$bmspace" ]; then
  dotnet build src/BmsPace -c Release -v q >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
influx_port=$(free_port)
rpc_port=$(free_port)
metrics_port=$(free_port)

influx_pid=""
exporter=""
start_influx() {
  INFLUXDB_REPORTING_DISABLED=true INFLUXDB_BIND_ADDRESS="127.0.0.1:$rpc_port" INFLUXDB_META_DIR="$run/influx/meta" \
    INFLUXDB_DATA_DIR="$run/influx/data" INFLUXDB_DATA_WAL_DIR="$run/influx/wal" \
    INFLUXDB_HTTP_BIND_ADDRESS="127.0.0.1:$influx_port" INFLUXDB_HTTP_LOG_ENABLED=false INFLUXDB_DATA_QUERY_LOG_ENABLED=false \
    influxd run -config /dev/null >>"$run/influxd.log" 2>&1 &
  influx_pid=$!
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$influx_port/ping")" = 204 ] && return 0
    sleep 0.1
  done
  echo "outage: FAIL: influxd did not start (see $run/influxd.log)"
  exit 1
}
stop_influx() {
  kill "$influx_pid"
  wait "$influx_pid" 2>/dev/null || true
  influx_pid=""
}
cleanup() {
  [ -n "$exporter" ] && kill "$exporter" 2>/dev/null && wait "$exporter" 2>/dev/null
  [ -n "$influx_pid" ] && kill "$influx_pid" 2>/dev/null && wait "$influx_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT

query() { curl -sf -G "http://127.0.0.1:$influx_port/query" --data-urlencode "db=bms" --data-urlencode "q=$1"; }
count_rows() { query "SELECT COUNT(\"$2\") FROM \"$1\"" | jq '[.results[0].series[0].values[0][1]] | add // 0'; }
metric() { curl -sf "http://127.0.0.1:$metrics_port/metrics" | awk -v name="$1" '$1 == name {print $2}'; }

start_influx
curl -sf -XPOST "http://127.0.0.1:$influx_port/query" --data-urlencode 'q=CREATE DATABASE "bms"' >/dev/null

cat >"$run/config.yaml" <<EOF
scan_interval: 1s
batteries:
  - name: main
    connection: simulator?packs=2&cells=16&temps=6
    protocol: pace
prometheus:
  listen: 127.0.0.1:$metrics_port
influxdb:
  enabled: true
  url: http://127.0.0.1:$influx_port
  api: v1
  database: bms
  flush_interval: 1s
  buffer_points: $buffer_points
EOF
"$bmspace" run --config "$run/config.yaml" >"$run/exporter.log" 2>&1 &
exporter=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$metrics_port/metrics" -o /dev/null && break
  sleep 0.2
done

sample() {
  local rss buffered
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$exporter/status")
  buffered=$(metric pace_bms_influxdb_buffer_points)
  printf '%s\t%s\t%s\t%s\n' "$(date +%s)" "$1" "$rss" "$buffered" >>"$run/samples.tsv"
  echo "outage: $1 rss $rss KiB, buffer $buffered points, dropped $(metric pace_bms_influxdb_points_dropped_total)"
}
printf 'seconds\tphase\trss_kib\tbuffer_points\n' >"$run/samples.tsv"
echo "outage: $minutes minutes, buffer_points $buffer_points, run directory $run (exporter pid $exporter)"
sleep "$warmup_seconds"
sample before
capacity=$(metric pace_bms_influxdb_buffer_capacity_points)

stop_influx
down_at=$(date +%s)
echo "outage: InfluxDB stopped at $(date -u -d "@$down_at" +%T)"
while [ "$(date +%s)" -lt $((down_at + minutes * 60)) ]; do
  sleep 30
  kill -0 "$exporter" 2>/dev/null || { echo "outage: FAIL: the exporter exited (see $run/exporter.log)"; exit 1; }
  sample down
done

start_influx
up_at=$(date +%s)
echo "outage: InfluxDB started again at $(date -u -d "@$up_at" +%T)"
for _ in $(seq 600); do
  [ "$(metric pace_bms_influxdb_buffer_points)" = 0 ] && break
  sleep 1
done
drained_at=$(date +%s)
sample drained
sleep "$settle_seconds"
dropped=$(metric pace_bms_influxdb_points_dropped_total)
sample after
curl -sf "http://127.0.0.1:$metrics_port/metrics" -o "$run/last-scrape.txt"
[ "$dropped" = "$(metric pace_bms_influxdb_points_dropped_total)" ] || echo "outage: points were still being dropped after the drain"

kill "$exporter"
wait "$exporter" || true
exporter=""

produced_packs=$(grep -cE '^main pack [0-9]+: ' "$run/exporter.log" || true)
produced=$((produced_packs * points_per_pack))
stored_packs=$(count_rows pace_bms_pack voltage_volts)
stored=$((stored_packs + $(count_rows pace_bms_cell voltage_volts) + $(count_rows pace_bms_temperature celsius) + $(count_rows pace_bms_flags status_charge_fet)))
written=$(awk '$1 == "pace_bms_influxdb_points_written_total" {print $2}' "$run/last-scrape.txt")
reported=$(grep -c 'InfluxDB buffer full' "$run/exporter.log" || true)
max_buffer=$(awk 'NR > 1 && $4 > m {m = $4} END {print m + 0}' "$run/samples.tsv")
rss_line=$(awk 'NR > 1 {if (!f) f = $3; if ($3 > m) m = $3; l = $3} END {printf "first %d KiB, max %d, last %d", f, m, l}' "$run/samples.tsv")
# Longest stretch without a stored pack point: where the dropped points were.
gap=$(query 'SELECT voltage_volts FROM pace_bms_pack WHERE pack = '"'"'1'"'"'' | jq -r '
  [.results[0].series[0].values[] | .[0] | sub("\\.[0-9]+Z$"; "Z") | fromdate] as $t
  | [range(1; $t | length) | {from: $t[. - 1], to: $t[.]}] | max_by(.to - .from)
  | "\(.to - .from) s from \(.from | todate) to \(.to | todate)"')

echo "outage: down $(( (up_at - down_at) )) s, buffer drained $(( drained_at - up_at )) s after InfluxDB was back"
echo "outage: produced $produced points ($produced_packs pack readings), stored $stored, dropped (counter) $dropped, written (counter, before the final flush) $written"
echo "outage: buffer capacity $capacity points, most buffered at a sample $max_buffer; overflow reported $reported times in the log"
echo "outage: rss $rss_line; longest gap in pack 1's stored points: $gap"

problems=()
[ "$((stored + dropped))" = "$produced" ] || problems+=("stored $stored + dropped $dropped != produced $produced")
[ "$stored" -le "$produced" ] || problems+=("more points stored than produced")
if [ "$dropped" -gt 0 ]; then
  [ "$reported" = 1 ] || problems+=("the overflow was reported $reported times, not once")
else
  [ "$reported" = 0 ] || problems+=("an overflow was reported but nothing was dropped")
fi
[ "$max_buffer" -le "$capacity" ] || problems+=("the buffer held $max_buffer points, more than its capacity $capacity")
if [ ${#problems[@]} -gt 0 ]; then
  echo "outage: FAIL: $(IFS=';'; echo "${problems[*]}")"
  exit 1
fi
echo "outage: PASS: $stored of $produced points stored, $dropped dropped and counted, none twice"
