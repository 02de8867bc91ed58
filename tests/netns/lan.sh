#!/bin/sh
# A real LAN over hamd (issue 13): a hub and four members, 1, 2 and 3 in
# the network "games", 4 in a network of its own.  A LAN game's
# discovery (a UDP datagram from 0.0.0.0 to 255.255.255.255, and one to
# the overlay's directed broadcast) reaches members 2 and 3 once each
# and never member 4, and the answers come back by unicast; an mDNS
# service (python3-zeroconf) published on member 1 is found on member 3
# over IPv4 and over IPv6; SSDP's multicast groups reach the members
# that listen; a broadcast flood is held to the rate limit, on the
# sender and, from a sender that ignores it, on the receivers, while
# unicast keeps flowing; broadcast turned off in the network stops it,
# refused by the receivers too when a sender ignores the hub, and on in
# any one network two members share lets it flow again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/meshlib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
# Debian's python3, whatever python3 comes first on PATH.
PY=/usr/bin/python3
"$PY" -c 'import zeroconf' 2>/dev/null ||
    skip "python3-zeroconf is not installed (sh tools/deps.sh test)"
LANTOOL="$top_srcdir/tests/netns/lantool.py"
mktmp

NODES="1 2 3 4"
mesh_net lan 10.78.0 $NODES
# The default route is the LAN's: 255.255.255.255 would go there.
for i in $NODES; do ip -n "$(ns "$i")" route add default via 10.78.0.1; done
mesh_hub
# Member 3 breaks the rules (a test hook): it ignores its own limit and
# the hub's word on whom it may send broadcast to, so the receivers'
# checks show.
for i in 1 2 4; do mesh_node "$i"; done
if hooks "a member that ignores the broadcast limit and setting"; then
	mesh_node 3 HAMD_TEST_LAN_ROGUE=1
else
	mesh_node 3
fi
mesh_online $NODES
mesh_addrs $NODES
in_ns() { n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
reach() { pings "$(ns "$1")" "$(v4 "$2")"; }

check "node 1 creates games" sh -c "printf 'gamespass1\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create games"
for i in 2 3; do
	check "node $i joins games" sh -c "printf 'gamespass1\n' |
	    '$HAMCTL' -s '$(dir "$i")/hamd.sock' join games"
done
check "node 4 creates a network of its own" sh -c "printf 'solopass12\n' |
    '$HAMCTL' -s '$(dir 4)/hamd.sock' create solo"
for i in 2 3; do
	check "node 1 reaches node $i" wait_for 15 reach 1 "$i"
	check "node $i reaches node 1" wait_for 15 reach "$i" 1
done
check "node 2 reaches node 3" wait_for 15 reach 2 3

# --- what hamd set up ------------------------------------------------------
BRD=$(ip -n "$(ns 1)" -4 -o addr show dev ham0 |
    sed -n 's/.* brd \([0-9.]*\) .*/\1/p')
log "node 1: $(v4 1), directed broadcast $BRD"
check "the overlay address has its pool's broadcast address" \
    test "$BRD" = 100.127.255.255
check "255.255.255.255 is routed through ham0" \
    sh -c "ip -n '$(ns 1)' -4 route show 255.255.255.255 | grep -q 'dev ham0'"
LL1=$(ip -n "$(ns 1)" -6 -o addr show dev ham0 scope link |
    sed -n 's/.* inet6 \([0-9a-f:]*\)\/.*/\1/p')
check "ham0's only link-local address is fe80:: and the overlay's IID" \
    test "$LL1" = "fe80::${V6_1##*::}"
check "a peer takes that link-local address as node 1's" \
    sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' peers | grep -q '$LL1/128'"
check "node 2 reaches node 1's link-local address" \
    wait_for 5 pings "$(ns 2)" "$LL1%ham0"

# --- a LAN game's discovery ------------------------------------------------
PORT=47777
for i in 2 3 4; do
	ip netns exec "$(ns "$i")" "$PY" "$LANTOOL" listen $PORT \
	    "$T_TMP/l$i.log" >>"$T_TMP/l$i.err" 2>&1 &
	track_pid $!
	eval "LPID$i=\$!"
done
for i in 2 3 4; do
	check "listener on node $i" wait_for 5 grep -q ready "$T_TMP/l$i.log"
done
# fence N TEXT: a unicast datagram from node 1 after the rest; once it
# arrives at node N, so has everything node 1 sent it before.
fence() {
	in_ns 1 "$PY" "$LANTOOL" send "$(v4 "$1")" $PORT "fence $2"
	wait_for 5 grep -q "fence $2\$" "$T_TMP/l$1.log"
}
count() { grep -c -- "$2" "$T_TMP/l$1.log"; }

OUT=$(in_ns 1 "$PY" "$LANTOOL" discover 255.255.255.255 $PORT game1 2 10)
log "answers to the broadcast: $(echo $OUT)"
check "both members answer a broadcast to 255.255.255.255 by unicast" \
    test "$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" = \
    "$(printf '%s\n' "$(v4 2)" "$(v4 3)" | sort | tr '\n' ' ')"
for i in 2 3; do
	check "node $i: fence after the broadcast" fence "$i" game1
	check "node $i received the broadcast exactly once" \
	    test "$(count "$i" "ping game1")" = 1
	check "node $i saw it come from node 1's overlay address" \
	    grep -q "^$(v4 1) ping game1" "$T_TMP/l$i.log"
done
check "node 4, in no network with node 1, received nothing" \
    test "$(count 4 "ping game1")" = 0

OUT=$(in_ns 1 "$PY" "$LANTOOL" discover "$BRD" $PORT game2 2 10)
check "both answer a broadcast to the directed broadcast $BRD" \
    test "$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" = \
    "$(printf '%s\n' "$(v4 2)" "$(v4 3)" | sort | tr '\n' ' ')"
for i in 2 3; do
	check "node $i: fence after the directed broadcast" fence "$i" game2
	check "node $i received the directed broadcast exactly once" \
	    test "$(count "$i" "ping game2")" = 1
done
check "node 4 received no directed broadcast" test "$(count 4 "ping game2")" = 0

# --- mDNS over IPv4 and IPv6 -------------------------------------------------
for ver in v4 v6; do
	ip netns exec "$(ns 1)" "$PY" "$LANTOOL" mdns-publish "hamtest-$ver" 60 \
	    $ver ham0 "$(v4 1)" >"$T_TMP/mdns-pub-$ver.log" 2>&1 &
	PUB=$!
	track_pid $PUB
	check "mDNS ($ver): node 1 publishes" \
	    wait_for 20 grep -q published "$T_TMP/mdns-pub-$ver.log"
	check "mDNS ($ver): node 3 finds node 1's service" sh -c \
	    "ip netns exec '$(ns 3)' '$PY' '$LANTOOL' mdns-browse \
	    'hamtest-$ver' 20 $ver ham0 '$(v4 3)' | grep -q 4242"
	check "mDNS ($ver): node 4 does not" sh -c \
	    "! ip netns exec '$(ns 4)' '$PY' '$LANTOOL' mdns-browse \
	    'hamtest-$ver' 3 $ver ham0 '$(v4 4)'"
	kill "$PUB" 2>/dev/null
	wait "$PUB" 2>/dev/null
done

# --- other multicast groups: SSDP ------------------------------------------
for grp in 239.255.255.250 ff02::c; do
	for i in 2 3 4; do
		ip netns exec "$(ns "$i")" "$PY" "$LANTOOL" listen 1900 \
		    "$T_TMP/g$i-$grp.log" "$grp" ham0 >>"$T_TMP/l$i.err" 2>&1 &
		track_pid $!
	done
	for i in 2 3 4; do
		check "node $i listens on $grp" \
		    wait_for 5 grep -q ready "$T_TMP/g$i-$grp.log"
	done
	in_ns 1 "$PY" "$LANTOOL" send "$grp" 1900 "M-SEARCH $grp" ham0
	for i in 2 3; do
		check "node $i gets the datagram to $grp" \
		    wait_for 5 grep -q "M-SEARCH $grp" "$T_TMP/g$i-$grp.log"
	done
	for i in 2 3; do
		check "node $i: fence after $grp" fence "$i" "$grp"
		check "node $i got it once" \
		    test "$(grep -c "M-SEARCH" "$T_TMP/g$i-$grp.log")" = 1
	done
	check "node 4 does not get it" \
	    test "$(grep -c "M-SEARCH" "$T_TMP/g4-$grp.log")" = 0
done

# --- a flood -------------------------------------------------------------------
# Each sender's allowance (daemon/lanrep.h).
LAN_RATE=500
LAN_BURST=1000
lanfield() {	# lanfield N FIELD: from hamctl -j status's lan object
	ctl "$1" -j status | "$PY" -c 'import json,sys
v=json.load(sys.stdin)["lan"]
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$2"
}
peerdrop() {	# peerdrop N PEERNAME REASON
	ctl "$1" -j peers | "$PY" -c 'import json,sys
for p in json.load(sys.stdin)["peers"]:
    if p["name"] == sys.argv[1]: print(p["drops"][sys.argv[2]])' "$2" "$3"
}
# From node 1, which keeps its own limit: what it sends is held to it.
# The buckets fill again until the last packet is taken: the bound
# counts until the fence behind it arrived, not until it was sent.
T0=$(now_ms)
SENT=$(in_ns 1 "$PY" "$LANTOOL" flood 255.255.255.255 $PORT 5000)
T1=$(now_ms)
check "node 2: fence after node 1's flood" fence 2 flood1
T2=$(now_ms)
GOT=$(count 2 "flood ")
MAX=$(( LAN_BURST + LAN_RATE * (T2 - T0) / 1000 ))
log "node 1 sent $SENT broadcasts in $((T1 - T0)) ms; node 2 got $GOT (at most $MAX allowed)"
check "node 1's flood reaches node 2 within the limit" \
    test "$GOT" -ge 500 -a "$GOT" -le "$MAX"
check "node 1 counts what it held back" test "$(lanfield 1 tx_dropped.rate)" -gt 0

if hooks "a member that ignores the broadcast limit and setting"; then
	ip netns exec "$(ns 1)" "$PY" "$LANTOOL" listen $PORT \
	    "$T_TMP/l1.log" >>"$T_TMP/l1.err" 2>&1 &
	LPID1=$!
	track_pid $LPID1
	check "listener on node 1" wait_for 5 grep -q ready "$T_TMP/l1.log"
	BEFORE=$(count 2 "flood ")
	ip netns exec "$(ns 1)" ping -n -q -c 40 -i 0.05 "$(v4 2)" \
	    >"$T_TMP/ping.log" 2>&1 &
	PING=$!
	T0=$(now_ms)
	SENT=$(in_ns 3 "$PY" "$LANTOOL" flood 255.255.255.255 $PORT 30000)
	T1=$(now_ms)
	in_ns 3 "$PY" "$LANTOOL" send "$(v4 2)" $PORT "fence flood3"
	check "node 2: fence after node 3's flood" \
	    wait_for 10 grep -q "fence flood3" "$T_TMP/l2.log"
	T2=$(now_ms)
	wait $PING
	LOSS=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$T_TMP/ping.log")
	GOT=$(( $(count 2 "flood ") - BEFORE ))
	MAX=$(( LAN_BURST + LAN_RATE * (T2 - T0) / 1000 ))
	log "node 3 sent $SENT broadcasts unlimited in $((T1 - T0)) ms; node 2 took $GOT (at most $MAX); ping 1 -> 2 lost $LOSS%"
	check "node 2 holds node 3's flood to the limit" test "$GOT" -le "$MAX"
	check "node 2 counts node 3's excess as lan_rate" \
	    test "$(peerdrop 2 node3 lan_rate)" -gt 0
	check "unicast from node 1 to node 2 kept flowing (<= 10% lost)" \
	    "$PY" -c "import sys; sys.exit(0 if float('${LOSS:-100}') <= 10 else 1)"
	# Node 1's own broadcasts loop back to it: no answers from itself.
	kill "$LPID1"
	wait "$LPID1" 2>/dev/null
fi

# --- the network's setting ------------------------------------------------------
lan_on() {	# lan_on N PEERNAME: True or False, from hamctl -j peers
	ctl "$1" -j peers | "$PY" -c 'import json,sys
for p in json.load(sys.stdin)["peers"]:
    if p["name"] == sys.argv[1]: print(p["lan"]["on"])' "$2"
}
is_lan() { [ "$(lan_on "$1" "$2")" = "$3" ]; }
nets_bcast() {	# nets_bcast N NET: true or false, from hamctl -j networks
	ctl "$1" -j networks | "$PY" -c 'import json,sys
for n in json.load(sys.stdin)["networks"]:
    if n["name"] == sys.argv[1]: print(str(n["broadcast"]).lower())' "$2"
}
check "networks shows broadcast on by default" \
    test "$(nets_bcast 2 games)" = true
check "broadcast flows between node 2 and node 1" is_lan 2 node1 True
check "a plain member may not turn it off" \
    sh -c "! '$HAMCTL' -s '$(dir 2)/hamd.sock' set games broadcast off"
check "the owner turns broadcast off in games" ctl 1 set games broadcast off
check "networks shows it off" test "$(nets_bcast 2 games)" = false
for i in 2 3; do
	check "node $i hears at once that it no longer flows with node 1" \
	    wait_for 2 is_lan "$i" node1 False
done
check "node 1 hears the same of node 2" is_lan 1 node2 False
NOPEER=$(lanfield 1 tx_dropped.no_peer)
OUT=$(in_ns 1 "$PY" "$LANTOOL" discover 255.255.255.255 $PORT game3 1 2)
log "answers with broadcast off: $(echo $OUT)"
check "no answer to a broadcast with broadcast off" test -z "$OUT"
check "node 1 counted it as sent to nobody" \
    test "$(lanfield 1 tx_dropped.no_peer)" -gt "$NOPEER"
for i in 2 3; do
	check "node $i: fence" fence "$i" game3
	check "node $i got no broadcast" test "$(count "$i" "ping game3")" = 0
done
check "unicast flows still" reach 1 2
if hooks "a member that ignores the broadcast limit and setting"; then
	OFF=$(peerdrop 2 node3 lan_off)
	in_ns 3 "$PY" "$LANTOOL" send 255.255.255.255 $PORT "ping rogue"
	in_ns 3 "$PY" "$LANTOOL" send "$(v4 2)" $PORT "fence rogue"
	check "node 2: fence after node 3's broadcast" \
	    wait_for 5 grep -q "fence rogue" "$T_TMP/l2.log"
	check "node 2 refuses a broadcast the hub did not allow" \
	    test "$(count 2 "ping rogue")" = 0
	check "and counts it as lan_off" \
	    test "$(peerdrop 2 node3 lan_off)" -gt "$OFF"
fi

# A second network, office (1 and 2), with broadcast off: on in either
# network the two share is enough.
check "node 1 creates office" sh -c "printf 'officepass\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create office"
check "node 2 joins office" sh -c "printf 'officepass\n' |
    '$HAMCTL' -s '$(dir 2)/hamd.sock' join office"
check "a new network has broadcast on" test "$(nets_bcast 2 office)" = true
check "so it flows between 1 and 2 again" wait_for 2 is_lan 2 node1 True
check "not between 1 and 3" is_lan 3 node1 False
check "office off" ctl 1 set office broadcast off
check "then not between 1 and 2" wait_for 2 is_lan 2 node1 False
check "games on again" ctl 1 set games broadcast on
for i in 2 3; do
	check "node $i: broadcast flows with node 1 again" \
	    wait_for 2 is_lan "$i" node1 True
done
OUT=$(in_ns 1 "$PY" "$LANTOOL" discover 255.255.255.255 $PORT game4 2 10)
log "answers: $(echo $OUT)"
check "both answer a broadcast again" \
    test "$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" = \
    "$(printf '%s\n' "$(v4 2)" "$(v4 3)" | sort | tr '\n' ' ')"
check "node 3 leaves games" ctl 3 leave games
check "node 1 drops node 3" wait_for 2 sh -c \
    "! '$HAMCTL' -s '$(dir 1)/hamd.sock' peers | grep -q node3"
check "node 2 leaves games: office, off, keeps 1 and 2 peers" ctl 2 leave games
check "without broadcast" wait_for 2 is_lan 2 node1 False
check "node 1 still reaches node 2" reach 1 2
check "the owner turns it on in office" ctl 1 set office broadcast on
check "and it flows again" wait_for 2 is_lan 2 node1 True
check "audited on the hub" grep -q \
    "audit: event=network-change .*broadcast=off" "$T_TMP/hub/hub.log"

finish
