#!/bin/sh
# Relay benchmark: iperf3 TCP through hamd between hub peers, in one run,
# over (1) a direct path, (2) the hub's UDP relay and (3) the hub's TCP
# relay, so the relay's cost is a ratio against the direct path measured
# on the same machine at the same time.
#
# A benchmark, not a test: it prints numbers and never judges them; it
# exits non-zero only when it cannot run.  Topology: one bridge, a hub and
# three nodes (10.88.0.0/24, namespaces it creates).  A and B start direct;
# then an nftables rule in A drops UDP between A and B, and they relay over
# UDP.  C drops every UDP datagram from the start, so it relays over TCP.
#
# Usage: bench/relay.sh [-t SECONDS]
# Environment: top_builddir and top_srcdir (default: the repository root).
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$BENCH_DIR/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
T_NAME=relaybench
. "$top_srcdir/tests/netns/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "iperf3 is missing: apt-get install iperf3"
SECS=5
while getopts t: o; do
	case $o in
	t) SECS=$OPTARG ;;
	*) echo "usage: bench/relay.sh [-t SECONDS]" >&2; exit 2 ;;
	esac
done
mktmp

SW=rb-sw-$$
bridge_add "$SW"
H=rb-h-$$
netns_add "$H"
bridge_join "$H" 10.88.0.1/24
mkdir -p "$T_TMP/hub"
write_hub_conf "$T_TMP/hub" "listen on 10.88.0.1 port 7777"
start_hub "$H" "$T_TMP/hub"
wait_for 10 hub_ready "$T_TMP/hub" || { echo "the hub did not start"; exit 1; }
KEY=$(hubctl "$T_TMP/hub" hub key)
i=10
for n in a b c; do
	i=$((i + 1))
	netns_add "rb-$n-$$"
	bridge_join "rb-$n-$$" "10.88.0.$i/24"
	mkdir -p "$T_TMP/$n"
	write_conf "$T_TMP/$n" "hub \"10.88.0.1:7777\" public-key \"$KEY\"" \
	    "nickname \"$n\""
done
# C's firewall drops all UDP from the start: it relays over TCP.
ip netns exec "rb-c-$$" nft -f - <<'EOF'
table inet rbench {
	chain in { type filter hook input priority 0; meta l4proto udp iifname != "lo" drop; }
	chain out { type filter hook output priority 0; meta l4proto udp oifname != "lo" drop; }
}
EOF
for n in a b c; do
	start_hamd "rb-$n-$$" "$T_TMP/$n"
	wait_for 20 node_online "$T_TMP/$n" || { echo "node $n is not online"; exit 1; }
done
printf 'benchpassword\n' | "$HAMCTL" -s "$T_TMP/a/hamd.sock" create bench >/dev/null
for n in b c; do
	printf 'benchpassword\n' | "$HAMCTL" -s "$T_TMP/$n/hamd.sock" join bench >/dev/null
done
V4_B=""; V4_C=""
wait_for 10 sh -c "[ -n \"\$(ip -n rb-b-$$ -4 -o addr show dev ham0)\" ]"
wait_for 10 sh -c "[ -n \"\$(ip -n rb-c-$$ -4 -o addr show dev ham0)\" ]"
V4_B=$(overlay_v4 "rb-b-$$")
V4_C=$(overlay_v4 "rb-c-$$")

# path FROM TO: FROM's path to TO ("direct", "relay-udp", ...)
path() {
	_k=$(pubkey_of "$T_TMP/$2")
	hamctl_in "$T_TMP/$1" -j peers 2>/dev/null | python3 -c '
import json, sys
for p in json.load(sys.stdin)["peers"]:
    if p.get("public_key") == sys.argv[1]:
        print(p.get("path", ""))' "$_k"
}
path_is() { [ "$(path "$1" "$2")" = "$3" ]; }

# iperf FROM TO_NODE ADDR: Mbit/s received, one TCP stream for SECS
iperf() {
	ip netns exec "rb-$2-$$" iperf3 -s -1 -B "$3" >/dev/null 2>&1 &
	_srv=$!
	track_pid "$_srv"
	wait_for 5 sh -c "ip netns exec rb-$2-$$ ss -ltn | grep -q ':5201 '"
	ip netns exec "rb-$1-$$" iperf3 -c "$3" -t "$SECS" -J 2>/dev/null |
	    python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%.0f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))'
	wait "$_srv" 2>/dev/null
}

# Traffic makes the pairs find their paths.
ip netns exec "rb-a-$$" ping -c 3 -i 0.2 -W 1 "$V4_B" >/dev/null 2>&1
ip netns exec "rb-a-$$" ping -c 3 -i 0.2 -W 1 "$V4_C" >/dev/null 2>&1
wait_for 10 path_is a b lan || wait_for 5 path_is a b direct
P1=$(path a b)
DIRECT=$(iperf a b "$V4_B")

ip netns exec "rb-a-$$" nft -f - <<EOF
table inet rbench {
	chain in { type filter hook input priority 0; ip saddr 10.88.0.12 udp dport 51820 drop; }
	chain out { type filter hook output priority 0; ip daddr 10.88.0.12 udp dport 51820 drop; }
}
EOF
ip netns exec "rb-a-$$" ping -c 50 -i 0.1 -W 1 "$V4_B" >/dev/null 2>&1 &
track_pid $!
wait_for 20 path_is a b relay-udp
P2=$(path a b)
RELAY_UDP=$(iperf a b "$V4_B")

wait_for 10 path_is c a relay-tcp
P3="$(path a c) / $(path c a)"
RELAY_TCP=$(iperf a c "$V4_C")

ratio() { python3 -c "import sys; a, b = float(sys.argv[1] or 0), float(sys.argv[2] or 0); print('%.2f' % (a / b) if b else '-')" "$1" "$2"; }
echo "# one iperf3 TCP stream for $SECS s through hamd, MTU 1420, 2 cores"
printf '%-28s %10s %10s\n' "path (a to peer)" "Mbit/s" "x direct"
printf '%-28s %10s %10s\n' "$P1 (a-b)" "$DIRECT" 1.00
printf '%-28s %10s %10s\n' "$P2 (a-b)" "$RELAY_UDP" "$(ratio "$RELAY_UDP" "$DIRECT")"
printf '%-28s %10s %10s\n' "$P3 (a-c)" "$RELAY_TCP" "$(ratio "$RELAY_TCP" "$DIRECT")"
hubctl "$T_TMP/hub" hub status | grep '^relay'
