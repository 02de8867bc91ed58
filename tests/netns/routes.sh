#!/bin/sh
# Subnet routes: a gateway member (node 1) advertises the LAN behind it
# (192.168.50.0/24, one host at .10); nothing is routed until the
# network's owner approves it; then the other members reach the LAN
# host through the tunnel (it sees their overlay addresses: no
# masquerading here, the LAN routes the overlay back to the gateway);
# a revocation cuts every member off within a second; a conflicting
# advertisement, and a route that overlaps a member's own LAN, are
# refused with a message saying why.  The gateway's forwarding and
# rules are set while it serves the route and taken back after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/meshlib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp

L=rt-lan-$$
NODES="1 2 3"
mesh_net rt 10.77.0 $NODES

# The LAN behind node 1, and node 2's own LAN that a route collides with.
mesh_lan 1 "$L" lan0 192.168.50
ip -n "$L" route add 100.64.0.0/10 via 192.168.50.1
ip -n "$(ns 1)" addr add fd99:50::1/64 dev lan0 nodad
ip -n "$L" addr add fd99:50::10/64 dev eth0 nodad
# Node 1's second LAN has a host that knows no way back to the overlay:
# served with masquerade (hamd.conf), it sees node 1's address.
L2=rt-lan2-$$
mesh_lan 1 "$L2" lan1 192.168.60
# node 2's own LAN uses the same prefix: a veth whose far end is up
ip -n "$(ns 2)" link add lan1 type veth peer name lan1p
ip -n "$(ns 2)" addr add 192.168.60.2/24 dev lan1
ip -n "$(ns 2)" link set lan1p up
ip -n "$(ns 2)" link set lan1 up

# What a hamd killed while serving would leave behind.
ip -n "$(ns 1)" rule add pref 5360 iif ham0 to 192.168.99.0/24 lookup main
ip -n "$(ns 1)" rule add pref 5361 iif ham0 prohibit

mesh_hub
MESH_CONF='advertise-route "192.168.60.0/24" masquerade'
mesh_node 1
MESH_CONF=
for i in 2 3; do mesh_node "$i"; done
mesh_online $NODES
check "node 1 removed the stale rules at start" sh -c "! ip -n '$(ns 1)' rule | grep -q 'iif ham0' && grep -q 'removed 2 rules' '$(dir 1)/hamd.log'"
K1=$(pubkey_of "$(dir 1)")
K3=$(pubkey_of "$(dir 3)")
check "node 1 creates office" sh -c "printf 'officepass1\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create office"
for i in 2 3; do
	check "node $i joins office" sh -c "printf 'officepass1\n' |
	    '$HAMCTL' -s '$(dir "$i")/hamd.sock' join office"
done
V4_2=$(overlay_v4 "$(ns 2)")
lan_ping() { pings "$(ns "$1")" 192.168.50.10 -W 1; }
has_route() { ip -n "$(ns "$1")" route show "$2" dev ham0 | grep -q .; }
fwd() { ip netns exec "$(ns 1)" cat "/proc/sys/net/ipv4/conf/$1/forwarding"; }
check "members reach each other" wait_for 10 pings "$(ns 2)" "$(overlay_v4 "$(ns 1)")"

# --- advertised, not approved: unused ---------------------------------------
check "node 1 advertises its LAN" ctl 1 route advertise 192.168.50.0/24
check "advertising it twice says so" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' route advertise 192.168.50.0/24 2>&1 | grep -q 'already'"
check "hamd.conf's advertise-route reached the hub" \
    wait_for 5 sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' routes | grep -q '192.168.60.0/24 *advertised'"
check "the owner sees both, advertised" \
    test "$(ctl 1 -j routes office | grep -o '"state":"advertised"' | wc -l)" = 2
check "a loopback range cannot be advertised" sh -c "! '$HAMCTL' -s '$(dir 1)/hamd.sock' route advertise 127.0.0.0/8 2>/dev/null"
check "nor a prefix with host bits" sh -c "! '$HAMCTL' -s '$(dir 1)/hamd.sock' route advertise 192.168.50.1/24 2>/dev/null"
check "nor a prefix inside the overlay" sh -c "'$HAMCTL' -s '$(dir 3)/hamd.sock' route advertise 100.64.0.0/16 2>&1 | grep -q overlay"
sleep_check() { ! has_route 2 192.168.50.0/24 && ! lan_ping 2; }
check "before approval no member routes it" sleep_check
check "a plain member cannot approve" sh -c "! '$HAMCTL' -s '$(dir 2)/hamd.sock' route approve office '$K1' 192.168.50.0/24 2>/dev/null"
check "the gateway forwards nothing yet" test "$(fwd ham0)" = 0

# --- approved: every member reaches the LAN ---------------------------------
check "the owner approves it" ctl 1 route approve office "$K1" 192.168.50.0/24
for i in 2 3; do
	check "node $i installs the route through ham0" wait_for 5 has_route "$i" 192.168.50.0/24
	check "node $i reaches the LAN host" wait_for 10 lan_ping "$i"
done
check "node 2 shows the route installed" sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' routes -l | grep -q '192.168.50.0/24.*installed'"
check "hamctl run on node 2 (the tunnel only) reaches the LAN host" ip netns exec "$(ns 2)" sh -c "mount -t cgroup2 none /sys/fs/cgroup &&
    '$HAMCTL' -s '$(dir 2)/hamd.sock' run -- ping -n -q -c 1 -W 2 192.168.50.10 >/dev/null"
check "  but not the hub's host, reached directly, not through ham0" sh -c "! ip netns exec '$(ns 2)' sh -c \"mount -t cgroup2 none /sys/fs/cgroup && '$HAMCTL' -s '$(dir 2)/hamd.sock' run -- ping -n -q -c 1 -W 1 10.77.0.1 >/dev/null\""
check "  which node 2 reaches outside" pings "$(ns 2)" 10.77.0.1 -W 1
check "node 2 has it in node 1's allowed IPs" sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' peers | grep -q '192.168.50.0/24'"
check "node 1 shows it served" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' -j routes -l | grep -q '\"route\":\"192.168.50.0/24\",\"via\":\"this node\",\"state\":\"served\"'"
ip netns exec "$L" nft -f - <<NFT
table ip seen {
	chain in {
		type filter hook input priority 0;
		ip saddr $V4_2 icmp type echo-request counter
	}
}
NFT
lan_saw_2() { ip netns exec "$L" nft list table ip seen | grep -q 'counter packets [1-9]'; }
lan_ping 2
check "the LAN host sees node 2's overlay address" lan_saw_2
check "gateway: forwarding on ham0 and lan0" test "$(fwd ham0)$(fwd lan0)" = 11
check "gateway: not on the hub's side" test "$(fwd eth0)" = 0
check "gateway: a rule lets the tunnel reach the route" \
    sh -c "ip -n '$(ns 1)' rule | grep -q '^5360:.*to 192.168.50.0/24 iif ham0 lookup main'"
check "gateway: and nothing else" \
    sh -c "ip -n '$(ns 1)' rule | grep -q '^5361:.*iif ham0 prohibit'"
check "the approval is audited" grep -q "audit: event=route-approve .* route=192.168.50.0/24" "$T_TMP/hub/hub.log"

# --- masquerade, asked with hamctl: the LAN host sees the gateway ------------
ip netns exec "$L" nft add rule ip seen in ip saddr 192.168.50.1 icmp type echo-request counter
lan_count() {	# lan_count ADDRESS: echo requests from it the LAN host counted
	ip netns exec "$L" nft list table ip seen |
	    sed -n "s/.*saddr $1 icmp.*counter packets \([0-9]*\) .*/\1/p"
}
check "node 1 masquerades 192.168.50.0/24 (hamctl)" ctl 1 route masquerade 192.168.50.0/24 on
check "  its rule is in table inet hamd" sh -c "ip netns exec '$(ns 1)' nft list table inet hamd | grep -q 'ip daddr 192.168.50.0/24 masquerade'"
G0=$(lan_count 192.168.50.1) O0=$(lan_count "$V4_2")
check "  node 2 reaches the LAN host" lan_ping 2
check "  which sees the gateway's address" test "$(lan_count 192.168.50.1)" -gt "$G0"
check "  and not node 2's" test "$(lan_count "$V4_2")" = "$O0"
log "with masquerade: $(( $(lan_count 192.168.50.1) - G0 )) from the gateway, $(( $(lan_count "$V4_2") - O0 )) from node 2's overlay address"
check "masquerade off (hamctl)" ctl 1 route masquerade 192.168.50.0/24 off
check "  its rule is gone" sh -c "! ip netns exec '$(ns 1)' nft list table inet hamd 2>/dev/null | grep -q '192.168.50.0/24'"
G1=$(lan_count 192.168.50.1) O1=$(lan_count "$V4_2")
check "  node 2 reaches the LAN host" lan_ping 2
check "  which sees node 2's overlay address again" test "$(lan_count "$V4_2")" -gt "$O1"
check "  and not the gateway's" test "$(lan_count 192.168.50.1)" = "$G1"
OUT=$(ctl 1 route masquerade 0.0.0.0/0 on 2>&1)
check "an exit node's offer is no masquerade hamctl sets" test $? -ne 0
check "  saying why" contains "$OUT" "always masquerades"

# --- IPv6 -------------------------------------------------------------------
V6_2=$(overlay_v6 "$(ns 2)")
ip -n "$L" -6 route add "${V6_2%:*}:/64" via fd99:50::1
v6fwd() { ip netns exec "$(ns 1)" cat /proc/sys/net/ipv6/conf/all/forwarding; }
check "IPv6 forwarding is off before" test "$(v6fwd)" = 0
ip netns exec "$L" nft -f - <<NFT
table ip6 seen6 {
	chain in {
		type filter hook input priority 0;
		ip6 saddr fd99:50::1 icmpv6 type echo-request counter
		ip6 saddr $V6_2 icmpv6 type echo-request counter
	}
}
NFT
seen6() { ip netns exec "$L" nft list table ip6 seen6 | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | sed -n "$1p"; }
check "node 1 advertises its IPv6 LAN, masqueraded" ctl 1 route advertise fd99:50::/64 masquerade
check "the owner approves it" ctl 1 route approve office "$K1" fd99:50::/64
check "node 2 reaches the LAN host over IPv6" wait_for 10 pings "$(ns 2)" fd99:50::10 -W 1
check "  which sees the gateway's IPv6 address" sh -c "[ \"\$(ip netns exec '$L' nft list table ip6 seen6 | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | sed -n 1p)\" -ge 1 ]"
check "  and never node 2's" test "$(seen6 2)" = 0
check "the gateway forwards IPv6 while it serves it" test "$(v6fwd)" = 1
check "an IPv6 prohibit rule" sh -c "ip -n '$(ns 1)' -6 rule | grep -q '^5361:.*iif ham0 prohibit'"
check "the owner revokes it" ctl 1 route revoke office "$K1" fd99:50::/64
check "node 2 drops the IPv6 route" wait_for 1 sh -c "! ip -n '$(ns 2)' -6 route show fd99:50::/64 | grep -q ham0"
check "IPv6 forwarding is back off" wait_for 2 sh -c "test \"\$(ip netns exec '$(ns 1)' cat /proc/sys/net/ipv6/conf/all/forwarding)\" = 0"

# --- a conflicting advertisement, a collision with a member's LAN ----------
OUT=$(ctl 3 route advertise 192.168.50.128/25 2>&1)
check "an overlapping advertisement is refused" test $? -ne 0
check "saying what it overlaps" contains "$OUT" "overlaps 192.168.50.0/24"
log "refusal: $OUT"
check "the owner approves hamd.conf's route" ctl 1 route approve office "$K1" 192.168.60.0/24
check "node 3 installs it" wait_for 5 has_route 3 192.168.60.0/24
check "node 1 masquerades it" sh -c "ip netns exec '$(ns 1)' nft list table inet hamd | grep -q 'ip daddr 192.168.60.0/24 masquerade'"
check "  routes -l says so" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' routes -l | grep -q '^192.168.60.0/24 *this node *served *masquerade'"
ip netns exec "$L2" nft -f - <<NFT
table ip seen {
	chain in {
		type filter hook input priority 0;
		ip saddr 192.168.60.1 icmp type echo-request counter
		ip saddr $(overlay_v4 "$(ns 3)") icmp type echo-request counter
	}
}
NFT
check "node 3 reaches the host behind it, which has no route back" wait_for 10 pings "$(ns 3)" 192.168.60.10 -W 1
check "  that host saw the gateway's address" sh -c "[ \"\$(ip netns exec '$L2' nft list table ip seen | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | sed -n 1p)\" -ge 1 ]"
check "  and never node 3's" test "$(ip netns exec "$L2" nft list table ip seen | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | sed -n 2p)" = 0
check "node 2, whose LAN it is, refuses it" wait_for 5 sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' routes -l | grep -q '192.168.60.0/24.*refused.*overlaps route 192.168.60.0/24 via lan1'"
check "and keeps its own route" sh -c "ip -n '$(ns 2)' route show 192.168.60.0/24 | grep -q 'dev lan1' && ! ip -n '$(ns 2)' route show 192.168.60.0/24 | grep -q ham0"

# --- revocation: cut within a second ------------------------------------------
check "node 2 still reaches the LAN" lan_ping 2
# The data path too: a ping every 50 ms, each answer stamped (ping -D),
# each request left unanswered reported (-O).
ip netns exec "$(ns 2)" ping -n -D -O -i 0.05 -W 1 192.168.50.10 >"$T_TMP/cut" 2>&1 &
CUTPID=$!
track_pid "$CUTPID"
answers() { [ "$(grep -c 'bytes from' "$T_TMP/cut")" -ge 5 ]; }
check "a ping every 50 ms is answered" wait_for 5 answers
T0=$(now_ms)
check "the owner revokes it" ctl 1 route revoke office "$K1" 192.168.50.0/24
gone() { ! has_route 2 192.168.50.0/24 && ! has_route 3 192.168.50.0/24; }
check "every member drops the route within a second" wait_for 1 gone
log "revocation reached every member in $(( $(now_ms) - T0 )) ms"
unanswered() { [ "$(grep -c 'no answer yet' "$T_TMP/cut")" -ge 20 ]; }
check "pings go unanswered" wait_for 5 unanswered
kill "$CUTPID" 2>/dev/null
wait "$CUTPID" 2>/dev/null
LAST=$(grep 'bytes from' "$T_TMP/cut" | tail -n 1 | sed 's/^\[\([0-9]*\)\.\([0-9]\{3\}\).*/\1\2/')
log "the last answer came $((LAST - T0)) ms after hamctl route revoke started (negative: before; a ping every 50 ms)"
check "no answer came a second after it" test $((LAST - T0)) -lt 1000
check "node 2 no longer reaches the LAN host" sh -c "! ip netns exec '$(ns 2)' ping -c 1 -W 1 -I ham0 192.168.50.10 >/dev/null 2>&1"
check "node 1 no longer serves it" wait_for 2 sh -c "! ip -n '$(ns 1)' rule | grep -q 192.168.50.0/24"
check "node 2 dropped it from the allowed IPs" sh -c "! '$HAMCTL' -s '$(dir 2)/hamd.sock' peers | grep -q '192.168.50.0/24'"
check "lan0 forwarding is back off" wait_for 2 sh -c "test \"\$(ip netns exec '$(ns 1)' cat /proc/sys/net/ipv4/conf/lan0/forwarding)\" = 0"

# --- withdrawing, and a gateway that stops ----------------------------------
check "node 1 withdraws 192.168.60.0/24" ctl 1 route withdraw 192.168.60.0/24
check "node 3 drops it" wait_for 1 sh -c "! ip -n '$(ns 3)' route show 192.168.60.0/24 | grep -q ham0"
check "node 1 has no rule left" wait_for 2 sh -c "! ip -n '$(ns 1)' rule | grep -q 'iif ham0'"
check "nor its nftables table" sh -c "! ip netns exec '$(ns 1)' nft list table inet hamd >/dev/null 2>&1"
check "and forwarding is back off on ham0" test "$(fwd ham0)" = 0
check "the owner approves 192.168.50.0/24 again" ctl 1 route approve office "$K1" 192.168.50.0/24
check "node 3 reaches the LAN again" wait_for 10 lan_ping 3
stop_hamd "$PID1"
check "a stopped gateway leaves no rule" sh -c "! ip -n '$(ns 1)' rule | grep -q 'iif ham0'"
check "and no forwarding on lan0" test "$(fwd lan0)" = 0
check "its peers drop the route" wait_for 2 sh -c "! ip -n '$(ns 3)' route show 192.168.50.0/24 | grep -q ham0"

finish
