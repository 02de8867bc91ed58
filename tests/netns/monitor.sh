#!/bin/sh
# hamctl monitor: a hub and two nodes on one bridge.  The -j stream of
# node 1 shows node 2 coming up, its path changing (a host firewall on
# node 2 drops their UDP: LAN -> relay, and back) and going down, in
# that order, each within a second of the change; the hub's stream shows
# the logins and the join.  The live view runs in tmux and shows the
# rate of an iperf3 stream within 20% of what iperf3 reports.  A peer's
# end leaves a transfer record in the log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/meshlib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
command -v tmux >/dev/null || skip "tmux not installed"
command -v iperf3 >/dev/null || skip "iperf3 not installed"
command -v nft >/dev/null || skip "nft not installed"
mktmp

mesh_net mon 10.78.0 1 2
mesh_hub

# Each line of a -j stream, prefixed with when it arrived (ms).
stamp() { while IFS= read -r l; do echo "$(now_ms) $l"; done; }
"$HAMCTL" -j -s "$T_TMP/hub/hub.sock" hub monitor 2>"$T_TMP/hubmon.err" |
    stamp >"$T_TMP/hubmon.json" &
track_pid $!
check "the hub's monitor subscribes" wait_for 5 grep -q '"subscribed"' "$T_TMP/hubmon.json"

mesh_node 1
mesh_online 1
check "create a network" sh -c "printf 'monpass123\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create mon"

"$HAMCTL" -j -s "$(dir 1)/hamd.sock" monitor 2>"$T_TMP/mon.err" |
    stamp >"$T_TMP/mon.json" &
MONPID=$!
track_pid "$MONPID"
# The subscription is in place once the control process says so.
check "the monitor subscribes" wait_for 5 grep -q '"subscribed"' "$T_TMP/mon.json"

mesh_node 2
mesh_online 2
check "node 2 joins" sh -c "printf 'monpass123\n' |
    '$HAMCTL' -s '$(dir 2)/hamd.sock' join mon"
T_JOIN=$(now_ms)
V4_2=$(overlay_v4 "$(ns 2)")
V4_1=$(overlay_v4 "$(ns 1)")

# ev_at FILE EVENT [PATTERN]: when the first such line arrived (ms), or
# nothing.
ev_at() {
	grep "\"event\":\"$2\"" "$1" | grep -- "${3:-.}" | head -n 1 |
	    cut -d' ' -f1
}
has_ev() { [ -n "$(ev_at "$@")" ]; }
peer_path() {	# the path node 1's hamctl peers shows for node 2
	hamctl_in "$(dir 1)" -j peers | tr '{' '\n' |
	    sed -n 's/.*"name":"node2".*"path":"\([a-z-]*\)".*/\1/p'
}
path_is() { [ "$(peer_path)" = "$1" ]; }

check "the stream shows node 2 added" wait_for 5 has_ev "$T_TMP/mon.json" peer-add node2
check "... and up" wait_for 5 has_ev "$T_TMP/mon.json" peer-up node2
T_UP=$(ev_at "$T_TMP/mon.json" peer-up node2)
log "peer-up arrived $((T_UP - T_JOIN)) ms after the join returned"
check "peer-up within a second of the join" \
    test -n "$T_UP" -a $((${T_UP:-0} - T_JOIN)) -lt 1000
check "the first path is announced" wait_for 5 has_ev "$T_TMP/mon.json" path '"path":"lan"'
check "node 1 shows a LAN path" wait_for 10 path_is lan

# Block their UDP on node 2's side: the pair falls back to the relay.
ip netns exec "$(ns 1)" ping -n -q -i 0.1 -w 90 "$V4_2" >/dev/null 2>&1 &
track_pid $!
ip netns exec "$(ns 2)" nft add table ip monblock
ip netns exec "$(ns 2)" nft "add chain ip monblock o { type filter hook output priority -10; }"
ip netns exec "$(ns 2)" nft "add chain ip monblock i { type filter hook input priority -10; }"
ip netns exec "$(ns 2)" nft add rule ip monblock o ip daddr 10.78.0.11 meta l4proto udp drop
ip netns exec "$(ns 2)" nft add rule ip monblock i ip saddr 10.78.0.11 meta l4proto udp drop
check "the path falls back to the relay" wait_for 20 path_is relay-udp
T_SEEN=$(now_ms)
check "the stream shows lan -> relay-udp" wait_for 2 has_ev "$T_TMP/mon.json" \
    path '"old_path":"lan","path":"relay-udp"'
T_EV=$(ev_at "$T_TMP/mon.json" path '"path":"relay-udp"')
log "relay path: event at $T_EV, hamctl peers saw it at $T_SEEN"
check "the path event within a second of the change" \
    test -n "$T_EV" -a $((${T_EV:-0} - T_SEEN)) -lt 1000
ip netns exec "$(ns 2)" nft delete table ip monblock
check "the path goes back to the LAN" wait_for 20 path_is lan
T_SEEN=$(now_ms)
check "the stream shows relay-udp -> lan" wait_for 2 has_ev "$T_TMP/mon.json" \
    path '"old_path":"relay-udp","path":"lan"'
T_EV=$(ev_at "$T_TMP/mon.json" path '"old_path":"relay-udp","path":"lan"')
check "... within a second of the change" \
    test -n "$T_EV" -a $((${T_EV:-0} - T_SEEN)) -lt 1000

# --- the live view in tmux against an iperf3 stream ----------------------
ip netns exec "$(ns 2)" iperf3 -s -1 -B "$V4_2" >"$T_TMP/iperf-s.log" 2>&1 &
track_pid $!
wait_for 5 sh -c "ip netns exec '$(ns 2)' ss -ltn | grep -q ':5201'"
TMUX_SOCK="$T_TMP/tmux.sock"
tmux -S "$TMUX_SOCK" new-session -d -x 160 -y 40 -s mon \
    "'$HAMCTL' -s '$(dir 1)/hamd.sock' monitor"
tmux_pid=$(tmux -S "$TMUX_SOCK" display -p -t mon '#{pid}' 2>/dev/null)
[ -n "$tmux_pid" ] && track_pid "$tmux_pid"
# A paced stream (200 Mbit/s, well under what a loaded machine carries):
# its rate holds still while the view is read, however busy the machine.
ip netns exec "$(ns 1)" iperf3 -c "$V4_2" -t 12 -b 200M -J \
    >"$T_TMP/iperf.json" 2>&1 &
IPERF=$!
track_pid "$IPERF"
# The view's rates cover the last 3 s: read it well inside the stream,
# once a second for five seconds, and take the median reading.
wait_for 15 sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t mon | grep -q 'Mbit/s\|Gbit/s'"
at_ms() { [ "$(now_ms)" -ge "$1" ]; }
t=$(( $(now_ms) + 3000 ))
: >"$T_TMP/readings"
for k in 1 2 3 4 5; do
	wait_for 3 at_ms "$t"
	tmux -S "$TMUX_SOCK" capture-pane -p -t mon >"$T_TMP/screen.txt"
	# tx on node 1's total line, in bit/s
	sed -n 's/^total:.* tx \([0-9.]*\) \([GMk]\)bit\/s.*/\1 \2/p' "$T_TMP/screen.txt" |
	    awk '{m = $2 == "G" ? 1e9 : $2 == "M" ? 1e6 : 1e3; printf "%.0f\n", $1 * m}' \
	    >>"$T_TMP/readings"
	t=$((t + 1000))
done
cp "$T_TMP/screen.txt" "$(dirname "$0")/monitor-screen.txt" 2>/dev/null
wait "$IPERF"
tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
grep -v '^ *$' "$T_TMP/screen.txt" | sed 's/^/# screen: /'
view_bps=$(sort -n "$T_TMP/readings" | sed -n 3p)
# iperf3's own per-second rates, median: the stream's steady rate, as the
# readings are (its average would count the start and a busy machine's
# slow seconds the view did not cover).
iperf_bps=$(python3 -c "import json, statistics; d = json.load(open('$T_TMP/iperf.json')); print(int(statistics.median(i['sum']['bits_per_second'] for i in d['intervals'])))" 2>/dev/null)
log "live view readings: $(tr '\n' ' ' <"$T_TMP/readings")(bit/s)"
log "live view: ${view_bps:-?} bit/s (median); iperf3: ${iperf_bps:-?} bit/s (median of its seconds)"
check "the live view shows the stream's rate within 20% of iperf3's" \
    python3 -c "import sys; v, i = float('${view_bps:-0}'), float('${iperf_bps:-1}'); sys.exit(0 if abs(v - i) <= 0.2 * i else 1)"

# --- node 2 goes away ------------------------------------------------------
T_STOP=$(now_ms)
check "node 2 stops" stop_hamd "$PID2"
check "the stream shows node 2 down" wait_for 5 has_ev "$T_TMP/mon.json" peer-down
check "... and removed" wait_for 5 has_ev "$T_TMP/mon.json" peer-remove
T_DOWN=$(ev_at "$T_TMP/mon.json" peer-down)
log "peer-down arrived $((T_DOWN - T_STOP)) ms after SIGTERM"
check "peer-down within a second of node 2's logout" \
    test -n "$T_DOWN" -a $((${T_DOWN:-0} - T_STOP)) -lt 1000
# order: add, up, path (relay), path (lan), down, remove
order=$(sed -n 's/.*"event":"\([a-z-]*\)".*/\1/p' "$T_TMP/mon.json" |
    grep -v 'handshake\|drops\|hub-\|subscribed' | tr '\n' ' ')
log "order: $order"
check "events in order: add, up, path changes, down, remove" \
    contains "$order" '^peer-add .*peer-up .*path path .*peer-down peer-remove'
check "the transfer record names what the tunnel carried" \
    grep -q 'event=transfer peer=node2 .* duration=.* rx_bytes=[0-9]* tx_bytes=[1-9]' "$(dir 1)/hamd.log"
check "the hub's stream shows the logins and the join" \
    sh -c "grep -q '\"event\":\"login\"' '$T_TMP/hubmon.json' &&
    grep -q '\"event\":\"join\"' '$T_TMP/hubmon.json'"
check "... and node 2's logout" wait_for 5 has_ev "$T_TMP/hubmon.json" logout

sed 's/^/# node1 stream: /' "$T_TMP/mon.json" | head -n 40
finish
