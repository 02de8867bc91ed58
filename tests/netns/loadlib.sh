# A hub and bench/hubload, for the tests and benchmarks that load a hub
# with many nodes.  Source it after lib.sh.
#
# load_net: two namespaces, the hub's (LH, 10.199.0.1) and the
# generator's (LG), on one veth.  LG may send from any address of
# 10.200.0.0/16, a local route there which LH routes back to it, so a
# test has as many source addresses as it wants without adding any.
# Only these two namespaces are touched; the EXIT trap of lib.sh removes
# them with everything in them.

HUBLOAD="$top_builddir/bench/hubload"
# The tests set LOAD_NICE (10): the hub and the generator then yield to
# the suite's timing-sensitive tests running beside them (NAT paths,
# liveness within 15 s, rates), which their thousands of connections
# would otherwise starve of CPU.  The benchmark leaves it unset.
LOAD_NICE=${LOAD_NICE:-}
LOAD_HUB=10.199.0.1
LOAD_SRC=10.200.0.1

load_net() {
	LH=hl-h-$$
	LG=hl-g-$$
	netns_add "$LH"
	netns_add "$LG"
	link_pair "$LH" "$LG" "$LOAD_HUB/24" 10.199.0.2/24
	ip -n "$LG" route add local 10.200.0.0/16 dev lo
	ip -n "$LH" route add 10.200.0.0/16 via 10.199.0.2
	# Bursts of connections: the kernel's backlog limits, namespaced.
	ip netns exec "$LH" sysctl -qw net.core.somaxconn=65535 \
	    net.ipv4.tcp_max_syn_backlog=65535
	ip netns exec "$LG" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
}

# load_hub DIR [conf lines...]: hamhubd in LH, listening on port 7777,
# under $LOAD_WRAP if set (prlimit ..., say); sets HUB_PID, HUB_KEY and
# LOAD_PROCS (-p NAME=PID for each of its processes).
load_hub() {
	d=$1; shift
	mkdir -p "$d"
	write_hub_conf "$d" "listen on $LOAD_HUB port 7777" "$@"
	# shellcheck disable=SC2086
	ip netns exec "$LH" ${LOAD_NICE:+nice -n $LOAD_NICE} ${LOAD_WRAP:-} \
	    "$HAMHUBD" -d -f "$d/hamhubd.conf" >>"$d/hub.log" 2>&1 &
	HUB_PID=$!
	track_pid "$HUB_PID"
	wait_for 20 hub_ready "$d" || { echo "the hub did not start"; return 1; }
	HUB_KEY=$(hubctl "$d" hub key)
	load_procs "$d"
}

# load_procs DIR: LOAD_PROCS for the hub running in DIR.
load_procs() {
	LOAD_PROCS=$(hubctl "$1" -j hub status | python3 -c '
import json, sys
st = json.load(sys.stdin)
print(" ".join("-p %s=%d" % (p["name"], p["pid"])
    for p in st.get("processes", []) if p.get("pid")))')
}

# hubload ARGS...: the generator in LG against the hub, from 10.200/16.
hubload() {
	# shellcheck disable=SC2086
	ip netns exec "$LG" ${LOAD_NICE:+nice -n $LOAD_NICE} "$HUBLOAD" \
	    -c "$LOAD_HUB:7777" -k "$HUB_KEY" -s "$LOAD_SRC/65000" \
	    $LOAD_PROCS "$@"
}

# field FILE PATTERN N: the Nth number on the line that starts so
field() {
	sed -n "s/^$2//p" "$1" | head -n 1 | tr -c '0-9.\n' ' ' |
	    awk -v n="$3" '{ print $n }'
}

# all_alive PID...: every one of them runs
all_alive() { for p in "$@"; do alive "$p" || return 1; done; }
