#!/bin/sh
# hamctl netcheck in the NAT topologies of natlib.sh: each node's report
# names its NAT's mapping and filtering behaviour and whether UDP reaches
# the hub, and for every relayed peer the right reason: symmetric NATs on
# both sides, a symmetric NAT against a port-restricted filter, UDP
# blocked here or at the peer.  -j carries the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/natlib.sh"
require_root
nat_require
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp

HUB=203.0.113.1
nat_hub hub "$HUB" || { not_ok "the hub starts"; finish; exit 1; }
nat_router open none 203.0.113.10 198.51.100.0/24
nat_router eim eim 203.0.113.11 10.1.0.0/24
nat_router prc port-restricted 203.0.113.12 10.2.0.0/24
nat_router sym symmetric 203.0.113.13 10.3.0.0/24
nat_router symb symmetric 203.0.113.15 10.5.0.0/24
nat_router udpb udp-blocked 203.0.113.14 10.4.0.0/24
nat_host open1 open 198.51.100.10
nat_host eim1 eim 10.1.0.10
nat_host prc1 prc 10.2.0.10
nat_host sym1 sym 10.3.0.10
nat_host symb1 symb 10.5.0.10
nat_host udpb1 udpb 10.4.0.10
NODES="open1 eim1 prc1 sym1 symb1 udpb1"
for n in $NODES; do
	if [ "$n" = eim1 ]; then
		# a port forward, shown as configured (never taken on trust)
		nat_node "$n" 'public-endpoint "203.0.113.11:51820"'
	else
		nat_node "$n"
	fi
done
for n in $NODES; do check "$n logs in" wait_for 20 nat_online "$n"; done
check "open1 creates the network" sh -c "printf 'natpassword\n' |
    '$HAMCTL' -s '$(nat_dir open1)/hamd.sock' create natnet"
for n in $NODES; do
	[ "$n" = open1 ] && continue
	check "$n joins" sh -c "printf 'natpassword\n' |
	    '$HAMCTL' -s '$(nat_dir "$n")/hamd.sock' join natnet"
done

# nc_field NODE PEER FIELD: FIELD of PEER (by nickname) in NODE's -j
# report; PEER "-" for the top level
nc_field() {
	hamctl_in "$(nat_dir "$1")" -j netcheck 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
if sys.argv[1] == "-":
    print(d.get(sys.argv[2], ""))
else:
    for p in d["peers"]:
        if p["name"] == sys.argv[1]:
            print(p.get(sys.argv[2], ""))' "$2" "$3"
}
# The hub names peers by nickname: nat_node gives each its node name.
settled() {	# NODE PEER PATH: the peer's path is PATH in the report
	[ "$(nc_field "$1" "$2" path)" = "$3" ]
}

# nc_has NODE PATTERN: NODE's report has a line matching PATTERN (NAT
# discovery takes a moment after the login)
nc_has() {
	hamctl_in "$(nat_dir "$1")" netcheck >"$T_TMP/$1.txt" 2>&1 &&
	    grep -q -- "$2" "$T_TMP/$1.txt"
}
check "open1: no NAT" wait_for 10 nc_has open1 '^nat mapping: *none'
check "eim1: endpoint-independent mapping" \
    wait_for 10 nc_has eim1 '^nat mapping: *endpoint-independent'
check "prc1: endpoint-independent mapping" \
    wait_for 10 nc_has prc1 '^nat mapping: *endpoint-independent'
check "sym1: endpoint-dependent mapping" \
    wait_for 10 nc_has sym1 '^nat mapping: *endpoint-dependent'
check "udpb1: UDP to the hub blocked, TCP only" \
    wait_for 10 nc_has udpb1 '^udp to the hub: *blocked (TCP only)'
check "eim1: UDP works" wait_for 10 nc_has eim1 '^udp to the hub: *works'
check "sym1: the public endpoint is the NAT's" \
    wait_for 10 nc_has sym1 '^public endpoint: *203.0.113.13:'
check "eim1: the port forward it configures" \
    wait_for 10 nc_has eim1 '^port forward: *203.0.113.11:51820'
check "open1: none configured" wait_for 10 nc_has open1 '^port forward: *none'
check "a round trip to the hub is measured" \
    wait_for 10 nc_has eim1 '^hub round trip: *[0-9.]* ms'
check "-j: the same NAT" test "$(nc_field sym1 - nat)" = endpoint-dependent
# Filtering: the hub answers a third probe from a port the node never
# sent to.  A plain router and a full-cone NAT let it in; conntrack's
# filter (the port-restricted and the symmetric NAT) does not.
check "open1: an answer from another port gets in" \
    wait_for 10 nc_has open1 '^nat filtering: *other ports allowed'
check "eim1: through the full-cone NAT too" \
    wait_for 10 nc_has eim1 '^nat filtering: *other ports allowed'
check "prc1: address-and-port-dependent filtering" \
    wait_for 10 nc_has prc1 '^nat filtering: *address-and-port-dependent'
check "sym1: address-and-port-dependent filtering" \
    wait_for 10 nc_has sym1 '^nat filtering: *address-and-port-dependent'
check "udpb1: filtering unknown without UDP" \
    wait_for 10 nc_has udpb1 '^nat filtering: *unknown'
check "-j: the filtering" test "$(nc_field prc1 - filtering)" = address-and-port-dependent
check "-j: UDP false behind the blocking firewall" test "$(nc_field udpb1 - udp)" = False

# Relayed pairs, once their paths settle (hole punching takes seconds).
check "sym1 -> symb1 is relayed" wait_for 40 settled sym1 symb1 relay-udp
check "... because both NATs are symmetric" \
    test "$(nc_field sym1 symb1 relay_reason)" = symmetric-nat-both
check "symb1 -> sym1 is relayed" wait_for 20 settled symb1 sym1 relay-udp
check "... for the same reason" \
    test "$(nc_field symb1 sym1 relay_reason)" = symmetric-nat-both
check "sym1 -> prc1 is relayed" wait_for 40 settled sym1 prc1 relay-udp
check "... a symmetric NAT against a port-restricted filter" \
    test "$(nc_field sym1 prc1 relay_reason)" = symmetric-nat-one-side
check "prc1 -> sym1: the same" wait_for 20 settled prc1 sym1 relay-udp
check "... for the same reason" \
    test "$(nc_field prc1 sym1 relay_reason)" = symmetric-nat-one-side
check "udpb1 -> eim1 goes over TCP" wait_for 40 settled udpb1 eim1 relay-tcp
check "... because this node's UDP is blocked" \
    test "$(nc_field udpb1 eim1 relay_reason)" = udp-blocked
relayed() { settled "$1" "$2" relay-udp || settled "$1" "$2" relay-tcp; }
check "eim1 -> udpb1 is relayed" wait_for 40 relayed eim1 udpb1
check "... because the peer's UDP is blocked" \
    test "$(nc_field eim1 udpb1 relay_reason)" = peer-udp-blocked
check "eim1 -> sym1 is direct: no reason given" wait_for 40 settled eim1 sym1 direct
check "... and none is" test -z "$(nc_field eim1 sym1 relay_reason)"
for n in sym1 udpb1; do
	hamctl_in "$(nat_dir "$n")" netcheck | sed "s/^/# $n: /"
done
finish
