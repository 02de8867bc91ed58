#!/bin/sh
# Broadcast benchmark: how many broadcasts one member sends to N others
# (default 10) in one network, through hamd's LAN replication.
#
# A benchmark, not a test: it prints numbers and never judges them; it
# exits non-zero only when it cannot run.  Topology: one bridge, a hub, a
# sender S, a second sender R (a test hook makes it ignore its own rate
# limit and the hub's word: needs ./configure --enable-test-hooks) and N
# receivers, all in one network (namespaces it creates, 10.89.0.0/24).
#  1. S floods 255.255.255.255 for SECONDS: what each receiver takes
#     (held to the per-sender limit, 500/s after a burst of 1000).
#  2. R floods the same way: how many copies R's tun encrypts a second
#     (the replication's own rate, N copies per broadcast) and how many
#     reach each receiver's tun (taken, or refused over R's rate there).
#
# Usage: bench/lanbcast.sh [-n RECEIVERS] [-t SECONDS]
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$BENCH_DIR/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
T_NAME=lanbench
. "$top_srcdir/tests/netns/lib.sh"
require_root
PY=/usr/bin/python3
LANTOOL="$top_srcdir/tests/netns/lantool.py"
N=10
SECS=5
while getopts n:t: o; do
	case $o in
	n) N=$OPTARG ;;
	t) SECS=$OPTARG ;;
	*) echo "usage: bench/lanbcast.sh [-n RECEIVERS] [-t SECONDS]" >&2
	   exit 2 ;;
	esac
done
mktmp

SW=lb-sw-$$
bridge_add "$SW"
H=lb-h-$$
netns_add "$H"
bridge_join "$H" 10.89.0.1/24
mkdir -p "$T_TMP/hub"
write_hub_conf "$T_TMP/hub" "listen on 10.89.0.1 port 7777"
start_hub "$H" "$T_TMP/hub"
wait_for 10 hub_ready "$T_TMP/hub" || { echo "the hub did not start"; exit 1; }
HUBKEY=$(hubctl "$T_TMP/hub" hub key)

NODES="s r"
i=1
while [ $i -le "$N" ]; do NODES="$NODES $i"; i=$((i + 1)); done
n=10
for x in $NODES; do
	n=$((n + 1))
	netns_add "lb-$x-$$"
	bridge_join "lb-$x-$$" "10.89.0.$n/24"
	mkdir -p "$T_TMP/$x"
	write_conf "$T_TMP/$x" "hub \"10.89.0.1:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"$x\""
	if [ "$x" = r ]; then
		start_hamd "lb-$x-$$" "$T_TMP/$x" HAMD_TEST_LAN_ROGUE=1
	else
		start_hamd "lb-$x-$$" "$T_TMP/$x"
	fi
done
for x in $NODES; do
	wait_for 30 node_online "$T_TMP/$x" || { echo "node $x is not online"; exit 1; }
done
printf 'benchpass1\n' | hamctl_in "$T_TMP/s" create bench >/dev/null ||
    { echo "cannot create the network"; exit 1; }
for x in $NODES; do
	[ "$x" = s ] && continue
	printf 'benchpass1\n' | hamctl_in "$T_TMP/$x" join bench >/dev/null
done
reach() { pings "lb-$1-$$" "$(overlay_v4 "lb-$2-$$")"; }
for x in $NODES; do
	[ "$x" = s ] || [ "$x" = r ] && continue
	wait_for 30 reach s "$x" && wait_for 30 reach r "$x" ||
	    { echo "node $x not reached"; exit 1; }
done

lan() {	# lan NODE FIELD: from hamctl -j status
	hamctl_in "$T_TMP/$1" -j status | "$PY" -c 'import json,sys
v=json.load(sys.stdin)["lan"]
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$2"
}
sum() {	# sum FIELD...: over the receivers
	t=0
	for x in $NODES; do
		[ "$x" = s ] || [ "$x" = r ] && continue
		for f in "$@"; do t=$((t + $(lan "$x" "$f"))); done
	done
	echo $t
}
flood() {	# flood NODE: broadcasts for SECS seconds, as fast as it can
	ip netns exec "lb-$1-$$" timeout "$SECS" "$PY" "$LANTOOL" flood \
	    255.255.255.255 9 100000000 >/dev/null 2>&1
}

echo "# $N receivers, $SECS s per run, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
R0=$(sum rx_packets)
T0=$(now_ms)
flood s
T1=$(now_ms)
SENT=$(lan s tx_packets)
R1=$(sum rx_packets)
echo "limited sender: $SENT broadcasts sent in $((T1 - T0)) ms; each receiver took $(( (R1 - R0) * 1000 / N / (T1 - T0) ))/s (limit 500/s after a burst of 1000)"

C0=$(lan r tx_copies)
A0=$(sum rx_packets rx_dropped.rate)
T0=$(now_ms)
flood r
T1=$(now_ms)
C1=$(lan r tx_copies)
P1=$(lan r tx_packets)
A1=$(sum rx_packets rx_dropped.rate)
echo "unlimited sender: $P1 broadcasts, $((C1 - C0)) copies encrypted in $((T1 - T0)) ms = $(( (C1 - C0) * 1000 / (T1 - T0) )) copies/s ($(( (C1 - C0) * 1000 / (T1 - T0) / N )) broadcasts/s to $N members)"
echo "                  arrived at the receivers' tun: $(( (A1 - A0) * 1000 / (T1 - T0) / N ))/s each (taken and refused over the rate)"
