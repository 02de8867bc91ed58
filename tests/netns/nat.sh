#!/bin/sh
# The NAT topology of natlib.sh: prove each emulated router behaves as
# its kind promises (mapping, filtering, the unsolicited-drop rule, UDP
# blocking, the LAN behind one NAT), then that a hamd node behind each
# of them logs in to a hub on the internet.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/natlib.sh"
require_root
nat_require
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp

SRV_A=203.0.113.2
SRV_B=203.0.113.3
nat_inet_host srva "$SRV_A"
nat_inet_host srvb "$SRV_B"
nat_router open none 203.0.113.10 198.51.100.0/24
nat_router eim eim 203.0.113.11 10.1.0.0/24
nat_router prc port-restricted 203.0.113.12 10.2.0.0/24
nat_router sym symmetric 203.0.113.13 10.3.0.0/24
nat_router udpb udp-blocked 203.0.113.14 10.4.0.0/24
nat_host open1 open 198.51.100.10
nat_host eim1 eim 10.1.0.10
nat_host prc1 prc 10.2.0.10
nat_host prc2 prc 10.2.0.11
nat_host sym1 sym 10.3.0.10
nat_host udpb1 udpb 10.4.0.10

port_of() { echo "${1##*:}"; }
addr_of() { echo "${1%:*}"; }

# probe ROUTER HOST: the kind scenario; sets P_<key> for every result
probe() {
	_out=$(nat_probe kind "$(nat_ns "$2")" "$(nat_ns srva)" "$SRV_A" \
	    "$(nat_ns srvb)" "$SRV_B" "$(nat_ns "$1")" "$(nat_public "$2")")
	echo "$_out" | sed "s/^/# $1: /"
	for _kv in $_out; do
		eval "P_${_kv%%=*}=\${_kv#*=}"
	done
}
is() { test "$1" = "$2"; }

# --- no NAT ------------------------------------------------------------------
probe open open1
check "none: servers see the host's own address and port" \
    test "$P_map_a" = "198.51.100.10:40001" -a "$P_map_b" = "198.51.100.10:40001"
check "none: the reply gets back" is "$P_reply_a" "$SRV_A:3478"
check "none: an unsolicited packet reaches the host" is "$P_early" "$SRV_B:3478"
check "none: any remote reaches the host" is "$P_from_b" "$SRV_B:3478"
check "none: a peer that probed first sees the host's own endpoint" \
    is "$P_early_map" 198.51.100.10:40002
check "none: TCP from the host's own address" is "$(addr_of "$P_tcp")" 198.51.100.10
check "none: the router drops nothing" is "$(nat_drops open)" 0

# --- endpoint-independent mapping and filtering ------------------------------
probe eim eim1
check "eim: both servers see one public endpoint" \
    test "$P_map_a" = "$P_map_b" -a "$P_map_a2" = "$P_map_b2"
check "eim: the public address is the router's" is "$(addr_of "$P_map_a")" 203.0.113.11
check "eim: the source port is kept" is "$(port_of "$P_map_a")" 40001
check "eim: the reply gets in" is "$P_reply_a" "$SRV_A:3478"
check "eim: an unsolicited packet is dropped" is "$P_early" dropped
check "eim: a peer that probed first still sees the host's own port" \
    is "$P_early_map" 203.0.113.11:40002
check "eim: another server reaches the mapped port" is "$P_from_b" "$SRV_B:3478"
check "eim: another port of the same server reaches it" \
    is "$P_from_a_other_port" "$SRV_A:3479"
check "eim: the server it sent to gets in" is "$P_from_a" "$SRV_A:3478"
check "eim: a flush forgets the mapping" is "$P_after_flush" dropped
check "eim: TCP is translated" is "$(addr_of "$P_tcp")" 203.0.113.11
check "eim: no dropped packet arrived later" is "$P_leaked" none

# --- port-restricted ------------------------------------------------------------
probe prc prc1
check "port-restricted: both servers see one public endpoint" \
    test "$P_map_a" = "$P_map_b" -a "$P_map_a2" = "$P_map_b2"
check "port-restricted: the public address is the router's" \
    is "$(addr_of "$P_map_a")" 203.0.113.12
check "port-restricted: the source port is kept" is "$(port_of "$P_map_a")" 40001
check "port-restricted: the reply gets in" is "$P_reply_a" "$SRV_A:3478"
check "port-restricted: an unsolicited packet is dropped" is "$P_early" dropped
check "port-restricted: a peer that probed first still sees the host's own port" \
    is "$P_early_map" 203.0.113.12:40002
check "port-restricted: another server is dropped" is "$P_from_b" dropped
check "port-restricted: another port of the same server is dropped" \
    is "$P_from_a_other_port" dropped
check "port-restricted: the server it sent to gets in" is "$P_from_a" "$SRV_A:3478"
check "port-restricted: a flush forgets the flow" is "$P_after_flush" dropped
check "port-restricted: TCP is translated" is "$(addr_of "$P_tcp")" 203.0.113.12
check "port-restricted: no dropped packet arrived later" is "$P_leaked" none

# Two hosts, one port, one server: the second host gets another public
# port, and (nf_nat's by-source lookup) keeps it for every destination.
OUT=$(nat_probe clash "$(nat_ns prc1)" "$(nat_ns prc2)" "$(nat_ns srva)" \
    "$SRV_A" "$(nat_ns srvb)" "$SRV_B" "$(nat_ns prc)")
echo "$OUT" | sed 's/^/# clash: /'
for kv in $OUT; do eval "C_${kv%%=*}=\${kv#*=}"; done
check "two hosts on one port get two public ports" \
    test -n "$C_second_a" -a "$C_first_a" != "$C_second_a"
check "the second host's mapping stays endpoint-independent" \
    test "$C_second_a" = "$C_second_b"

# --- symmetric --------------------------------------------------------------
probe sym sym1
# fully random: two servers see one port with chance 1/64512, twice 1/4e9
check "symmetric: each server sees another public port" \
    test "$P_map_a" != "$P_map_b" -o "$P_map_a2" != "$P_map_b2"
check "symmetric: the public address is the router's" \
    test "$(addr_of "$P_map_a")" = 203.0.113.13 -a "$(addr_of "$P_map_b")" = 203.0.113.13
check "symmetric: the reply gets in" is "$P_reply_a" "$SRV_A:3478"
check "symmetric: an unsolicited packet is dropped" is "$P_early" dropped
check "symmetric: another server is dropped" is "$P_from_b" dropped
check "symmetric: another port of the same server is dropped" \
    is "$P_from_a_other_port" dropped
check "symmetric: the server it sent to gets in" is "$P_from_a" "$SRV_A:3478"
check "symmetric: a flush forgets the flow" is "$P_after_flush" dropped
check "symmetric: TCP is translated" is "$(addr_of "$P_tcp")" 203.0.113.13
check "symmetric: no dropped packet arrived later" is "$P_leaked" none

# --- UDP blocked --------------------------------------------------------------
probe udpb udpb1
check "udp-blocked: outbound UDP is dropped" \
    test "$P_map_a" = dropped -a "$P_map_b" = dropped
check "udp-blocked: inbound UDP is dropped" is "$P_early" dropped
check "udp-blocked: TCP works, translated" is "$(addr_of "$P_tcp")" 203.0.113.14

# --- two hosts behind one NAT -------------------------------------------------
OUT=$(nat_probe lan "$(nat_ns prc1)" 10.2.0.10 "$(nat_ns prc2)" 10.2.0.11)
echo "$OUT" | sed 's/^/# lan: /'
check "hosts behind one NAT reach each other on the LAN" \
    test "$OUT" = "$(printf 'lan12=10.2.0.10:40010\nlan21=10.2.0.11:40010')"

# --- hamd behind every kind ---------------------------------------------------
check "the hub starts on the internet" nat_hub hub 203.0.113.1
NODES="open1 eim1 prc1 prc2 sym1 udpb1"
for n in $NODES; do nat_node "$n"; done
for n in $NODES; do
	check "$n ($(nat_kind "$(nat_router_of "$n")")) logs in" \
	    wait_for 15 nat_online "$n"
	seen=$(nat_seen "$n")
	log "$n seen from $seen"
	check "$n is seen from $(nat_public "$n")" \
	    is "$(addr_of "$seen")" "$(nat_public "$n")"
done

# --- NAT discovery: what each node's hamctl status says ----------------------
nat_line() {
	hamctl_in "$(nat_dir "$1")" status 2>/dev/null | sed -n 's/^nat: *//p'
}
nat_shows() { nat_line "$1" | grep -q "^$2"; }
# nat_eps LINE: the addresses of the endpoints a nat line names
nat_eps() {
	echo "$1" | sed -e 's/^.*\(public endpoint\|the hub saw\) //' \
	    -e 's/ and / /' | tr ' ' '\n' | sed 's/:[0-9]*$//'
}
for n in $NODES; do
	kind=$(nat_kind "$(nat_router_of "$n")")
	case $kind in
	none)			want="no NAT, public endpoint"; jkind=none ;;
	eim|port-restricted)	want="endpoint-independent mapping, public endpoint"
				jkind=endpoint-independent ;;
	symmetric)		want="endpoint-dependent mapping"
				jkind=endpoint-dependent ;;
	udp-blocked)		want="no answer"; jkind=no-answer ;;
	esac
	check "$n ($kind): status shows \"$want\"" \
	    wait_for 15 nat_shows "$n" "$want"
	line=$(nat_line "$n")
	log "$n nat: $line"
	check "$n ($kind): JSON nat kind is $jkind" sh -c \
	    "\"$HAMCTL\" -s \"$(nat_dir "$n")/hamd.sock\" -j status |
	    grep -q '\"nat\":{\"kind\":\"$jkind\"'"
	[ "$kind" = udp-blocked ] && continue
	eps=$(nat_eps "$line" | sort -u)
	check "$n ($kind): the public endpoint is $(nat_public "$n")" \
	    is "$eps" "$(nat_public "$n")"
done
finish
