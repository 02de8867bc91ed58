#!/bin/sh
# What the hub carries for each node: two nodes whose UDP to each other
# is blocked talk through the hub's relay, and an iperf3 stream between
# them shows in the hub's node list (hamctl hub nodes -j) and in the web
# console's state (/state.json) as the sender's rate in and the
# receiver's rate out, each within 20% of what iperf3 reports; the text
# listing shows the IN and OUT columns; the totals count the relayed
# share; and the rates fall to nothing within seconds of the stream's
# end.  The cost of watching the hub is measured on the relayed stream.
# A third node whose UDP is blocked altogether gets its share
# over its TCP connection to the hub: a stream to it shows as its rate
# out, in the listing and in hamctl hub monitor's live view (tmux).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/weblib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
for t in curl iperf3 nft python3 tmux; do
	command -v $t >/dev/null || skip "$t not installed"
done
mktmp
web_mesh 2
H=$(web_ns_hub)
HUB=$(web_hubdir)
N1=$(web_ns 1)
N2=$(web_ns 2)
V4_2=$(overlay_v4 "$N2")

peer_path() {	# the path node 1's hamctl peers shows for node 2
	hamctl_in "$(web_dir 1)" -j peers | tr '{' '\n' |
	    sed -n 's/.*"name":"node2".*"path":"\([a-z-]*\)".*/\1/p'
}
path_is() { [ "$(peer_path)" = "$1" ]; }
check "node 1 reaches node 2" wait_for 20 sh -c "ip netns exec '$N1' ping -c 1 -W 1 '$V4_2' >/dev/null"

# Their UDP to each other dropped on node 2's side: only the relay is left.
ip netns exec "$N2" nft add table ip rateblock
ip netns exec "$N2" nft "add chain ip rateblock o { type filter hook output priority -10; }"
ip netns exec "$N2" nft "add chain ip rateblock i { type filter hook input priority -10; }"
ip netns exec "$N2" nft add rule ip rateblock o ip daddr "$WEB_NET.11" meta l4proto udp drop
ip netns exec "$N2" nft add rule ip rateblock i ip saddr "$WEB_NET.11" meta l4proto udp drop
ip netns exec "$N1" ping -n -q -i 0.2 -w 60 "$V4_2" >/dev/null 2>&1 &
track_pid $!
check "the pair talks through the hub's relay" wait_for 30 path_is relay-udp

# field NICK KEY: a number from the hub's node list for that node
field() {
	hubctl "$HUB" -j hub nodes | python3 -c "import json, sys
for n in json.load(sys.stdin)['nodes']:
    if n['nickname'] == '$1': print(n['$2'])"
}
# web_field NICK KEY: the same from the console's state
web_field() {
	web_get "$H" "http://$WEB_NET.1:9200/state.json" | python3 -c "import json, sys
for net in json.load(sys.stdin)['networks']:
    for n in net['nodes']:
        if n['nick'] == '$1': print(n['$2']); sys.exit(0)"
}

# paced NS ADDR RATE NAME: a paced iperf3 stream of 12 s from node 1 to
# ADDR in NS (RATE, well under what a relay on a shared machine carries:
# its rate holds still while the listings are read); IPERF is its pid,
# $T_TMP/NAME.json its report.
paced() {
	ip netns exec "$1" iperf3 -s -1 -B "$2" >"$T_TMP/$4-s.log" 2>&1 &
	track_pid $!
	wait_for 5 sh -c "ip netns exec '$1' ss -ltn | grep -q ':5201'"
	ip netns exec "$N1" iperf3 -c "$2" -t 12 -b "$3" -J \
	    >"$T_TMP/$4.json" 2>&1 &
	IPERF=$!
	track_pid "$IPERF"
}
# iperf_median NAME: the median of iperf3's per-second rates, bit/s: the
# stream's steady rate, as the readings are
iperf_median() {
	python3 -c "import json, statistics; d = json.load(open('$T_TMP/$1.json')); print(int(statistics.median(i['sum']['bits_per_second'] for i in d['intervals'])))" 2>/dev/null
}
at_ms() { [ "$(now_ms)" -ge "$1" ]; }

paced "$N2" "$V4_2" 100M iperf
# Read well inside the stream, once a second for five seconds.
t=$(( $(now_ms) + 4000 ))
: >"$T_TMP/r-in"; : >"$T_TMP/r-out"; : >"$T_TMP/w-in"; : >"$T_TMP/w-out"
for k in 1 2 3 4 5; do
	wait_for 3 at_ms "$t"
	field node1 rx_bytes_per_s >>"$T_TMP/r-in"
	field node2 tx_bytes_per_s >>"$T_TMP/r-out"
	web_field node1 rx_bps >>"$T_TMP/w-in"
	web_field node2 tx_bps >>"$T_TMP/w-out"
	[ $k = 3 ] && hubctl "$HUB" hub nodes >"$T_TMP/nodes.txt"
	t=$((t + 1000))
done
wait "$IPERF"
T_END=$(now_ms)
sed 's/^/# hub nodes: /' "$T_TMP/nodes.txt"
iperf_bps=$(iperf_median iperf)
median_bps() { sort -n "$1" | sed -n 3p | awk '{ printf "%.0f\n", $1 * 8 }'; }
within() {	# within BPS: within 20% of iperf3's
	python3 -c "import sys; v, i = float('${1:-0}'), float('${iperf_bps:-1}'); sys.exit(0 if abs(v - i) <= 0.2 * i else 1)"
}
for r in r-in r-out w-in w-out; do
	eval "$(echo $r | tr - _)=\$(median_bps '$T_TMP/$r')"
	log "$r readings (bytes/s): $(tr '\n' ' ' <"$T_TMP/$r")"
done
log "iperf3: ${iperf_bps:-?} bit/s (median of its seconds); hub nodes: node1 in ${r_in:-?}, node2 out ${r_out:-?}; console: node1 in ${w_in:-?}, node2 out ${w_out:-?} (bit/s, medians)"
python3 -c "print('# ratios to iperf3: %.3f %.3f %.3f %.3f' % tuple(float(x or 0) / float('${iperf_bps:-1}') for x in ('$r_in', '$r_out', '$w_in', '$w_out')))"
check "hamctl hub nodes: node 1's rate in within 20% of iperf3's" within "$r_in"
check "... node 2's rate out too" within "$r_out"
check "the console's state: node 1's rate in within 20% of iperf3's" within "$w_in"
check "... node 2's rate out too" within "$w_out"
check "the text listing shows the rates in IN and OUT" \
    sh -c "head -n 1 '$T_TMP/nodes.txt' | grep -q ' IN .* OUT ' &&
    grep -q '^node1 .*Mbit/s' '$T_TMP/nodes.txt'"
relay_in=$(field node1 relay_rx_bytes)
all_in=$(field node1 rx_bytes)
log "node 1: ${all_in:-?} bytes in, ${relay_in:-?} of them relayed"
check "the totals count the relayed stream (over 50 MB in from node 1)" \
    test "${relay_in:-0}" -gt 50000000 -a "${all_in:-0}" -ge "${relay_in:-0}"
check "a node's control channel counts too (node 1 in > relayed)" \
    test "${all_in:-0}" -gt "${relay_in:-0}"
# The relay's pings (5 a second, a few kB/s) go on: "nothing" is under 10 kB/s.
quiet() { [ "$(field node1 rx_bytes_per_s)" -lt 10000 ]; }
check "the rate falls once the stream ends" wait_for 8 quiet
log "node 1's rate was quiet $(( $(now_ms) - T_END )) ms after the stream"

# --- the cost of watching the hub, in the same run --------------------------
# Unpaced relayed streams of 5 s, alternating: alone, then with hamctl hub
# monitor's live view and -j stream and a scraper of /metrics and
# /state.json once a second, three times each (logged, never asserted).  The
# web child's own snapshot (and its traffic round) runs once a second in
# both: http-listen is on.
TMUX_SOCK="$T_TMP/tmux.sock"
scraper() {
	next=$(now_ms)
	while :; do
		web_get "$H" "http://$WEB_NET.1:9200/metrics" >/dev/null 2>&1
		web_get "$H" "http://$WEB_NET.1:9200/state.json" >/dev/null 2>&1
		next=$((next + 1000))
		wait_for 2 at_ms "$next"
	done
}
watch_on() {
	tmux -S "$TMUX_SOCK" new-session -d -x 180 -y 40 -s cost \
	    "'$HAMCTL' -s '$HUB/hub.sock' hub monitor"
	"$HAMCTL" -j -s "$HUB/hub.sock" hub monitor >>"$T_TMP/events.json" 2>&1 &
	WATCH=$!
	track_pid "$WATCH"
	scraper &
	SCRAPER=$!
	track_pid "$SCRAPER"
}
watch_off() {
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	kill "$WATCH" "$SCRAPER" 2>/dev/null
	wait "$WATCH" "$SCRAPER" 2>/dev/null
}
ip netns exec "$N2" iperf3 -s -B "$V4_2" >"$T_TMP/iperf-cost.log" 2>&1 &
track_pid $!
wait_for 5 sh -c "ip netns exec '$N2' ss -ltn | grep -q ':5201'"
stream() { ip netns exec "$N1" iperf3 -c "$V4_2" -t 5 -J >"$T_TMP/$1.json" 2>&1; }
bps() { python3 -c "import json; print(int(json.load(open('$T_TMP/$1.json'))['end']['sum_received']['bits_per_second']))" 2>/dev/null; }
for k in 1 2 3; do
	stream "alone$k"
	watch_on; stream "watched$k"; watch_off
done
A="$(bps alone1) $(bps alone2) $(bps alone3)"
B="$(bps watched1) $(bps watched2) $(bps watched3)"
log "cost of watching the hub (relayed iperf3, 5 s each, alternating): alone $A, watched $B bit/s"
python3 -c "import statistics as s; a = s.median(float(x) for x in '$A'.split()); b = s.median(float(x) for x in '$B'.split()); print('# watched / alone (medians): %.3f' % (b / a))" 2>/dev/null
echo "relayed alone $A watched $B" >"$(dirname "$0")/hubrates-cost.txt" 2>/dev/null
check "the -j hub monitor was subscribed while watched" grep -q '"subscribed"' "$T_TMP/events.json"
ip netns exec "$N2" nft delete table ip rateblock

# --- over TCP: node 3 has no UDP at all -----------------------------------
N3=$(web_ns 3)
netns_add "$N3"
bridge_join "$N3" "$WEB_NET.13/24"
ip netns exec "$N3" nft add table ip noudp
ip netns exec "$N3" nft "add chain ip noudp o { type filter hook output priority -10; }"
ip netns exec "$N3" nft "add chain ip noudp i { type filter hook input priority -10; }"
ip netns exec "$N3" nft add rule ip noudp o ip daddr "$WEB_NET.0/24" meta l4proto udp drop
ip netns exec "$N3" nft add rule ip noudp i ip saddr "$WEB_NET.0/24" meta l4proto udp drop
mkdir -p "$(web_dir 3)"
write_conf "$(web_dir 3)" "hub \"$WEB_NET.1:7777\" public-key \"$WEB_HUBKEY\"" \
    "nickname \"node3\""
start_hamd "$N3" "$(web_dir 3)"
check "node 3 logs in over TCP" wait_for 20 node_online "$(web_dir 3)"
check "node 3 joins" sh -c "printf 'webpass123\n' |
    '$HAMCTL' -s '$(web_dir 3)/hamd.sock' join office"
V4_3=$(overlay_v4 "$N3")
check "node 1 reaches node 3 through the relay" \
    wait_for 40 sh -c "ip netns exec '$N1' ping -c 1 -W 1 '$V4_3' >/dev/null"

tmux -S "$TMUX_SOCK" new-session -d -x 180 -y 40 -s hubmon \
    "'$HAMCTL' -s '$HUB/hub.sock' hub monitor"
tmux_pid=$(tmux -S "$TMUX_SOCK" display -p -t hubmon '#{pid}' 2>/dev/null)
[ -n "$tmux_pid" ] && track_pid "$tmux_pid"
paced "$N3" "$V4_3" 50M iperf3
t=$(( $(now_ms) + 4000 ))
: >"$T_TMP/r3-out"
for k in 1 2 3 4 5; do
	wait_for 3 at_ms "$t"
	field node3 tx_bytes_per_s >>"$T_TMP/r3-out"
	[ $k = 3 ] && tmux -S "$TMUX_SOCK" capture-pane -p -t hubmon \
	    >"$T_TMP/hubmon.txt"
	t=$((t + 1000))
done
wait "$IPERF"
tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
grep -v '^ *$' "$T_TMP/hubmon.txt" | sed 's/^/# hub monitor: /'
iperf_bps=$(iperf_median iperf3)
r3_out=$(median_bps "$T_TMP/r3-out")
log "r3-out readings (bytes/s): $(tr '\n' ' ' <"$T_TMP/r3-out")"
log "iperf3 to node 3: ${iperf_bps:-?} bit/s; hub nodes: node3 out ${r3_out:-?} bit/s (ratio $(python3 -c "print('%.3f' % (float('${r3_out:-0}') / float('${iperf_bps:-1}')))"))"
check "node 3's rate out, over TCP, within 20% of iperf3's" within "$r3_out"
check "... relayed to it over its connection (over 20 MB)" \
    test "$(field node3 relay_tx_bytes)" -gt 20000000
check "hamctl hub monitor's live view shows node 3's rate out" \
    grep -q '^node3 .*Mbit/s.*Mbit/s\|^node3 .*bit/s .*Mbit/s' "$T_TMP/hubmon.txt"
finish
