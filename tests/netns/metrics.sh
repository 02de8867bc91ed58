#!/bin/sh
# Prometheus metrics: a real Prometheus server (Debian's package), in the
# hub's namespace with its data in the test's directory, scrapes the hub
# and two nodes every second; PromQL over its HTTP API finds the hub's
# online nodes and the rate of node 2's received bytes during an iperf3
# stream; promtool accepts every exposition.  The cost of monitoring is
# measured in the same run: iperf3 alone, then with a live monitor and
# the scraper attached (logged, never asserted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/weblib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
for t in prometheus promtool curl iperf3 python3 tmux; do
	command -v $t >/dev/null || skip "$t not installed"
done
mktmp
web_mesh 2
H=$(web_ns_hub)
V4_2=$(overlay_v4 "$(web_ns 2)")

# scrape NAME ADDR PATTERN: fetch until the exposition has PATTERN (the
# web child's snapshots arrive once a second)
scrape() {
	web_get "$H" "http://$2/metrics" >"$T_TMP/$1.prom" 2>/dev/null &&
	    grep -q -- "$3" "$T_TMP/$1.prom"
}
check "the node's metrics name its peer with units and _total" \
    wait_for 10 scrape node1 "$WEB_NET.11:9100" \
    '^hamd_peer_receive_bytes_total{peer="node2",key="'
check "node 2's too" wait_for 10 scrape node2 "$WEB_NET.12:9100" \
    '^hamd_peer_transmit_bytes_total{peer="node1",key="'
check "the hub's metrics count online nodes" \
    wait_for 10 scrape hub "$WEB_NET.1:9200" '^hamhubd_nodes_online 2$'
for t in hub node1 node2; do
	check "$t: promtool check metrics accepts the exposition" \
	    sh -c "test -s '$T_TMP/$t.prom' &&
	    promtool check metrics <'$T_TMP/$t.prom' >'$T_TMP/$t.lint' 2>&1"
	sed "s/^/# $t promtool: /" "$T_TMP/$t.lint"
done
check "the HTTP child counts its own refusals" \
    grep -q '^hamhubd_http_refused_total{reason="traversal"}' "$T_TMP/hub.prom"

# --- Prometheus, scraping only the test's own listeners ------------------
mkdir -p "$T_TMP/prom/data"
cat >"$T_TMP/prom/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: hamhubd
    static_configs:
      - targets: ['$WEB_NET.1:9200']
  - job_name: hamd
    static_configs:
      - targets: ['$WEB_NET.11:9100', '$WEB_NET.12:9100']
EOC
# prom_start: Prometheus in the hub's namespace, its API on its loopback
prom_start() {
	ip netns exec "$H" prometheus --config.file="$T_TMP/prom/prometheus.yml" \
	    --storage.tsdb.path="$T_TMP/prom/data" \
	    --web.listen-address=127.0.0.1:9090 >>"$T_TMP/prom/prom.log" 2>&1 &
	PROM=$!
	track_pid "$PROM"
}
prom_start
# promql QUERY: the first value of an instant query, or nothing
promql() {
	ip netns exec "$H" curl -fsS --max-time 5 \
	    'http://127.0.0.1:9090/api/v1/query' --data-urlencode "query=$1" |
	    python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
targets_up() { [ "$(promql 'count(up == 1)')" = 3 ]; }
check "Prometheus scrapes the hub and both nodes" wait_for 30 targets_up
check "PromQL: hamhubd_nodes_online is 2" \
    wait_for 10 sh -c "[ \"\$(ip netns exec '$H' curl -fsS 'http://127.0.0.1:9090/api/v1/query' \
    --data-urlencode 'query=hamhubd_nodes_online' | grep -o '\"2\"]')\" ]"

# iperf3 from node 1 to node 2: node 2's received bytes, per second.
ip netns exec "$(web_ns 2)" iperf3 -s -B "$V4_2" >"$T_TMP/iperf-s.log" 2>&1 &
track_pid $!
wait_for 5 sh -c "ip netns exec '$(web_ns 2)' ss -ltn | grep -q ':5201'"
iperf_bps() { python3 -c "import json; print(int(json.load(open('$1'))['end']['sum_received']['bits_per_second']))"; }
iperf_secs() { python3 -c "import json; print(json.load(open('$1'))['end']['sum_received']['seconds'])"; }
at_ms() { [ "$(now_ms)" -ge "$1" ]; }
SERIES="hamd_peer_receive_bytes_total{instance=\"$WEB_NET.12:9100\",peer=\"node1\"}"
# promql_at QUERY UNIXTIME: an instant query at that time
promql_at() {
	ip netns exec "$H" curl -fsS --max-time 5 \
	    'http://127.0.0.1:9090/api/v1/query' --data-urlencode "query=$1" \
	    --data-urlencode "time=$2" | python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
unix_s() { python3 -c 'import time; print("%.3f" % time.time())'; }

TMUX_SOCK="$T_TMP/tmux.sock"
watch_on() {
	tmux -S "$TMUX_SOCK" new-session -d -x 160 -y 40 -s mon \
	    "'$HAMCTL' -s '$(web_dir 2)/hamd.sock' monitor"
	"$HAMCTL" -j -s "$(web_dir 2)/hamd.sock" monitor >>"$T_TMP/events.json" 2>&1 &
	WATCH=$!
	track_pid "$WATCH"
}
watch_off() {
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	kill "$WATCH" 2>/dev/null
}

# The stream the queries look at: counters stand still before and after
# it, so the series' values at those two moments are exact.
wait_for 10 sh -c "[ -n \"\$(ip netns exec '$H' curl -fsS 'http://127.0.0.1:9090/api/v1/query' \
    --data-urlencode 'query=$SERIES' | grep -o value)\" ]"
t=$(( $(now_ms) + 1500 )); wait_for 3 at_ms "$t"
T_BEFORE=$(unix_s)
watch_on
ip netns exec "$(web_ns 1)" iperf3 -c "$V4_2" -t 8 -J >"$T_TMP/watched1.json" &
IPERF=$!
track_pid "$IPERF"
# Well inside the stream, Prometheus's rate over 4 s is the stream's.
t=$(( $(now_ms) + 6000 )); wait_for 8 at_ms "$t"
RATE=$(promql "rate($SERIES[4s])")
wait "$IPERF"
watch_off
t=$(( $(now_ms) + 2500 )); wait_for 4 at_ms "$t"
T_AFTER=$(unix_s)
V_BEFORE=$(promql_at "$SERIES" "$T_BEFORE")
V_AFTER=$(promql_at "$SERIES" "$T_AFTER")
W1=$(iperf_bps "$T_TMP/watched1.json")
log "PromQL $SERIES at $T_BEFORE: $V_BEFORE, at $T_AFTER: $V_AFTER"
log "PromQL rate($SERIES[4s]) during the stream: ${RATE:-none} bytes/s"
check "PromQL: rate() of node 2's received bytes during the stream" \
    python3 -c "import sys; sys.exit(0 if float('${RATE:-0}') > 1e6 else 1)"
check "PromQL: node 2 received what iperf3 sent, by the series (within 20%)" \
    python3 -c "import sys; b = (float('${V_AFTER:-0}') - float('${V_BEFORE:-0}')) * 8 / $(iperf_secs "$T_TMP/watched1.json"); i = float('$W1'); print('# series: %.0f bit/s, iperf3: %.0f bit/s' % (b, i)); sys.exit(0 if abs(b - i) <= 0.2 * i else 1)"
check "PromQL: every process of both daemons is up" \
    test "$(promql 'count(hamd_process_up == 1) + count(hamhubd_process_up == 1)')" = 15
check "the -j monitor was subscribed through the stream" \
    grep -q '"subscribed"' "$T_TMP/events.json"

# The cost of monitoring, in the same run: the same stream without any
# monitor or scraper, then with both, twice each, alternating.
kill "$PROM"; wait "$PROM" 2>/dev/null
ip netns exec "$(web_ns 1)" iperf3 -c "$V4_2" -t 5 -J >"$T_TMP/alone1.json"
prom_start
check "Prometheus is back" wait_for 30 targets_up
watch_on
ip netns exec "$(web_ns 1)" iperf3 -c "$V4_2" -t 5 -J >"$T_TMP/watched2.json"
watch_off
kill "$PROM"; wait "$PROM" 2>/dev/null
ip netns exec "$(web_ns 1)" iperf3 -c "$V4_2" -t 5 -J >"$T_TMP/alone2.json"
prom_start
wait_for 30 targets_up
watch_on
ip netns exec "$(web_ns 1)" iperf3 -c "$V4_2" -t 5 -J >"$T_TMP/watched3.json"
watch_off
A1=$(iperf_bps "$T_TMP/alone1.json"); A2=$(iperf_bps "$T_TMP/alone2.json")
B2=$(iperf_bps "$T_TMP/watched2.json"); B3=$(iperf_bps "$T_TMP/watched3.json")
log "cost of monitoring (iperf3, 5 s each, alternating): alone $A1, watched $B2, alone $A2, watched $B3 bit/s (watched: hamctl monitor's live view and -j stream, Prometheus scraping both daemons every 1 s)"
echo "alone $A1 $A2 watched $B2 $B3" >"$(dirname "$0")/metrics-cost.txt" 2>/dev/null
finish
