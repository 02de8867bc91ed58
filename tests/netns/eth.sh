#!/bin/sh
# Ethernet networks (issue 13): a hub and four members.  1, 2 and 3 are
# in lanparty, an Ethernet network; 1, 3 and 4 in games, an IP network.
# Over the TAP device (ham0eth) ARP resolves and ping answers between
# members of lanparty; IPX frames built with python3-scapy (Ethernet II
# type 0x8137 and raw 802.3) sent by member 1 to the broadcast address
# arrive byte for byte at 2 and 3, a unicast one at 2 alone; member 4,
# a peer of 1 and 3 in games only, never gets a frame; a frame with a
# forged source MAC is dropped and counted by the sender, and by the
# receivers when the sender (a test hook) does not check; the TAP's MAC
# is the one bound to the node's key.  It also logs a TCP stream's rate
# over the Ethernet network against the IP one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/meshlib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
PY=/usr/bin/python3
"$PY" -c 'import scapy.all' 2>/dev/null ||
    skip "python3-scapy is not installed (sh tools/deps.sh test)"
LANTOOL="$top_srcdir/tests/netns/lantool.py"
mktmp

NODES="1 2 3 4"
mesh_net eth 10.79.0 $NODES
mesh_hub
ROGUE=""
hooks "a member that sends frames without its own checks" && ROGUE=1
for i in 1 2 4; do mesh_node "$i"; done
if [ -n "$ROGUE" ]; then mesh_node 3 HAMD_TEST_LAN_ROGUE=1; else mesh_node 3; fi
mesh_online $NODES
in_ns() { n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
mac_of() { ip netns exec "$(ns "$1")" cat /sys/class/net/ham0eth/address; }
# The MAC bound to a key: BLAKE2b-128 of "hamd ethernet mac" and the key,
# its first six bytes, locally administered (daemon/lanclass.c).
key_mac() {
	"$PY" -c 'import base64,hashlib,sys
h=bytearray(hashlib.blake2b(b"hamd ethernet mac"+base64.b64decode(sys.argv[1]),
    digest_size=16).digest()[:6])
h[0]=(h[0]&0xfc)|2
print(":".join("%02x" % b for b in h))' "$1"
}
for i in $NODES; do
	K=$(pubkey_of "$(dir "$i")")
	check "node $i: ham0eth is up with the MAC bound to its key" \
	    wait_for 5 sh -c "[ \"\$(ip netns exec '$(ns "$i")' cat /sys/class/net/ham0eth/address)\" = '$(key_mac "$K")' ] &&
	    ip -n '$(ns "$i")' link show ham0eth | grep -q ',UP'"
done

check "node 1 creates lanparty, an Ethernet network" sh -c "printf 'partypass1\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create lanparty ethernet"
for i in 2 3; do
	check "node $i joins lanparty" sh -c "printf 'partypass1\n' |
	    '$HAMCTL' -s '$(dir "$i")/hamd.sock' join lanparty"
done
check "node 1 creates games, an IP network" sh -c "printf 'gamespass1\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create games"
for i in 3 4; do
	check "node $i joins games" sh -c "printf 'gamespass1\n' |
	    '$HAMCTL' -s '$(dir "$i")/hamd.sock' join games"
done
nets_eth() {	# nets_eth N NET: true or false
	ctl "$1" -j networks | "$PY" -c 'import json,sys
for n in json.load(sys.stdin)["networks"]:
    if n["name"] == sys.argv[1]: print(str(n["ethernet"]).lower())' "$2"
}
check "networks shows lanparty as Ethernet" test "$(nets_eth 2 lanparty)" = true
check "and games not" test "$(nets_eth 4 games)" = false
eth_on() {	# eth_on N PEER: frames flow with it
	ctl "$1" -j peers | "$PY" -c 'import json,sys
for p in json.load(sys.stdin)["peers"]:
    if p["name"] == sys.argv[1]: print(p["lan"]["ethernet"])' "$2"
}
is_eth() { [ "$(eth_on "$1" "$2")" = "$3" ]; }
for i in 2 3; do
	check "node 1 switches frames with node $i" wait_for 10 is_eth 1 "node$i" True
done
check "not with node 4, a peer through games only" wait_for 10 is_eth 1 node4 False
check "an Ethernet network always carries broadcast" \
    sh -c "! '$HAMCTL' -s '$(dir 1)/hamd.sock' set lanparty broadcast off"

# --- ARP and ping over the TAP devices ---------------------------------------
for i in $NODES; do
	ip -n "$(ns "$i")" addr add "10.90.0.1$i/24" dev ham0eth
done
ping_l2() { pings "$(ns "$1")" "10.90.0.1$2"; }
check "node 1 pings node 2 over ham0eth (ARP, then ICMP)" wait_for 15 ping_l2 1 2
check "node 3 pings node 1 over ham0eth" wait_for 15 ping_l2 3 1
check "node 1 resolved node 2's MAC by ARP" \
    sh -c "ip -n '$(ns 1)' neigh show 10.90.0.12 dev ham0eth | grep -q '$(mac_of 2)'"
check "node 1 does not reach node 4 over ham0eth" sh -c "! ip netns exec \
    '$(ns 1)' ping -n -q -c 2 -W 1 10.90.0.14 >/dev/null 2>&1"

# --- IPX, byte for byte ---------------------------------------------------------
for i in 2 3 4; do
	ip netns exec "$(ns "$i")" "$PY" "$LANTOOL" ipx-listen ham0eth \
	    "$T_TMP/ipx$i.log" >>"$T_TMP/ipx$i.err" 2>&1 &
	track_pid $!
done
for i in 2 3 4; do
	check "IPX listener on node $i" wait_for 10 grep -q ready "$T_TMP/ipx$i.log"
done
BC=ff:ff:ff:ff:ff:ff
F1=$(in_ns 1 "$PY" "$LANTOOL" ipx-send ham0eth $BC ether2 bcast1 2>>"$T_TMP/ipx1.err")
F2=$(in_ns 1 "$PY" "$LANTOOL" ipx-send ham0eth $BC 8023 bcast2 2>>"$T_TMP/ipx1.err")
F3=$(in_ns 1 "$PY" "$LANTOOL" ipx-send ham0eth "$(mac_of 2)" ether2 uni3 2>>"$T_TMP/ipx1.err")
check "scapy built the three frames" test -n "$F1" -a -n "$F2" -a -n "$F3"
for i in 2 3; do
	check "node $i gets the Ethernet II IPX broadcast byte for byte" \
	    wait_for 10 grep -qx "$F1" "$T_TMP/ipx$i.log"
	check "node $i gets the raw 802.3 IPX broadcast byte for byte" \
	    wait_for 10 grep -qx "$F2" "$T_TMP/ipx$i.log"
done
check "node 2 gets the unicast IPX frame" wait_for 10 grep -qx "$F3" "$T_TMP/ipx2.log"
# fence: a unicast frame to node 3 behind the rest
F4=$(in_ns 1 "$PY" "$LANTOOL" ipx-send ham0eth "$(mac_of 3)" ether2 fence4 2>>"$T_TMP/ipx1.err")
check "node 3: fence" wait_for 10 grep -qx "$F4" "$T_TMP/ipx3.log"
check "node 3 does not get node 2's unicast frame" sh -c "! grep -qx '$F3' '$T_TMP/ipx3.log'"
for i in 2 3; do
	check "node $i got each broadcast once" \
	    test "$(grep -cx "$F1" "$T_TMP/ipx$i.log")$(grep -cx "$F2" "$T_TMP/ipx$i.log")" = 11
done
check "node 4, in an IP network only, got no frame" \
    test "$(grep -vc ready "$T_TMP/ipx4.log")" = 0

# --- forged source MACs ------------------------------------------------------------
l2field() {	# l2field N FIELD: hamctl -j status, lan.ethernet
	ctl "$1" -j status | "$PY" -c 'import json,sys
v=json.load(sys.stdin)["lan"]["ethernet"]
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$2"
}
peerdrop() {	# peerdrop N PEERNAME REASON
	ctl "$1" -j peers | "$PY" -c 'import json,sys
for p in json.load(sys.stdin)["peers"]:
    if p["name"] == sys.argv[1]: print(p["drops"][sys.argv[2]])' "$2" "$3"
}
F5=$(in_ns 1 "$PY" "$LANTOOL" ipx-send ham0eth $BC ether2 forged5 02:00:00:00:00:99 2>>"$T_TMP/ipx1.err")
src_dropped() { [ "$(l2field 1 tx_dropped.source)" -gt 0 ]; }
check "node 1 counts a frame not from its MAC, and sends none" \
    wait_for 5 src_dropped
F6=$(in_ns 1 "$PY" "$LANTOOL" ipx-send ham0eth "$(mac_of 2)" ether2 fence6 2>>"$T_TMP/ipx1.err")
check "node 2: fence" wait_for 10 grep -qx "$F6" "$T_TMP/ipx2.log"
check "the forged frame reached nobody" sh -c "! grep -qx '$F5' '$T_TMP/ipx2.log'"
if [ -n "$ROGUE" ]; then
	F7=$(in_ns 3 "$PY" "$LANTOOL" ipx-send ham0eth $BC ether2 rogue7 02:00:00:00:00:77 2>>"$T_TMP/ipx3.err")
	F8=$(in_ns 3 "$PY" "$LANTOOL" ipx-send ham0eth $BC ether2 rogue8 2>>"$T_TMP/ipx3.err")
	check "node 2 takes the rogue's frame from its own MAC" \
	    wait_for 10 grep -qx "$F8" "$T_TMP/ipx2.log"
	check "but not its forged one" sh -c "! grep -qx '$F7' '$T_TMP/ipx2.log'"
	check "and counts it as l2_source" test "$(peerdrop 2 node3 l2_source)" -gt 0
	l2off() { [ "$(peerdrop 4 node3 l2_off)" -gt 0 ]; }
	check "node 4 counts the rogue's frames as l2_off" wait_for 5 l2off
	check "node 4 still got no frame" test "$(grep -vc ready "$T_TMP/ipx4.log")" = 0
fi

# --- a TCP stream: Ethernet network against IP network -------------------------------
if command -v iperf3 >/dev/null; then
	V4_3=$(overlay_v4 "$(ns 3)")
	ip netns exec "$(ns 3)" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	track_pid $!
	ip netns exec "$(ns 3)" iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
	track_pid $!
	wait_for 5 sh -c "ip netns exec '$(ns 3)' ss -ltn | grep -q ':5202 '"
	BPS_IP=$(in_ns 1 iperf3 -c "$V4_3" -p 5201 -t 5 -J 2>/dev/null | "$PY" -c \
	    'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))' 2>/dev/null)
	BPS_L2=$(in_ns 1 iperf3 -c 10.90.0.13 -p 5202 -t 5 -J 2>/dev/null | "$PY" -c \
	    'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))' 2>/dev/null)
	log "TCP 1 -> 3, 5 s: IP network (ham0) ${BPS_IP:-0} bit/s, Ethernet network (ham0eth) ${BPS_L2:-0} bit/s"
	check "TCP flows over the Ethernet network" test "${BPS_L2:-0}" -gt 0
fi

finish
