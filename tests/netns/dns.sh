#!/bin/sh
# Member names: every member is NICK.NETWORK.hamd.internal.  dig asks
# node 1's responder on its overlay address: the other members' A and
# AAAA records, node 1's own, NXDOMAIN for a name in the domain that is
# no member's, REFUSED for anything else; a renamed member's new name
# works at once and its old one stops; an evicted member's name stops
# resolving; hostile packets (truncated, a compression loop, oversized,
# a response) get no answer and are counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/meshlib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
command -v dig >/dev/null || skip "dig is missing (apt-get install bind9-dnsutils)"
command -v python3 >/dev/null || skip "python3 is missing"
mktmp

mesh_net dn 10.77.0 1 2 3
mesh_hub
MESH_NICK="Node "
for i in 1 2 3; do mesh_node "$i"; done
mesh_online 1 2 3
check "node 1 creates office" sh -c "printf 'officepass1\n' | '$HAMCTL' -s '$(dir 1)/hamd.sock' create office"
for i in 2 3; do
	check "node $i joins office" sh -c "printf 'officepass1\n' | '$HAMCTL' -s '$(dir "$i")/hamd.sock' join office"
done
mesh_addrs 1 2 3
q() {	# q TYPE NAME: dig's short answer from node 1's responder
	ip netns exec "$(ns 1)" dig +short +tries=1 +time=1 @"$V4_1" "$2" "$1" 2>/dev/null
}
rcode() {	# rcode TYPE NAME [server]
	ip netns exec "$(ns 1)" dig +tries=1 +time=1 @"${3:-$V4_1}" "$2" "$1" 2>/dev/null |
	    sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}
check "node 2's A record" wait_for 10 sh -c "[ \"\$(ip netns exec '$(ns 1)' dig +short +tries=1 +time=1 @'$V4_1' node-2.office.hamd.internal A)\" = '$V4_2' ]"
check "its AAAA record" test "$(q AAAA node-2.office.hamd.internal)" = "$V6_2"
check "names fold case" test "$(q A NODE-3.Office.HAMD.internal)" = "$V4_3"
check "node 1's own name" test "$(q A node-1.office.hamd.internal)" = "$V4_1"
check "over IPv6 too" sh -c "ip netns exec '$(ns 1)' dig +short +tries=1 +time=1 @'$V6_1' node-2.office.hamd.internal A | grep -qx '$V4_2'"
check "a peer asks through the tunnel" wait_for 10 sh -c "ip netns exec '$(ns 2)' dig +short +tries=1 +time=1 @'$V4_1' node-3.office.hamd.internal A | grep -qx '$V4_3'"
check "no such member: NXDOMAIN" test "$(rcode A nobody.office.hamd.internal)" = NXDOMAIN
check "another network: NXDOMAIN" test "$(rcode A node-2.elsewhere.hamd.internal)" = NXDOMAIN
check "outside the domain: REFUSED" test "$(rcode A example.org)" = REFUSED
check "no recursion offered" sh -c "! ip netns exec '$(ns 1)' dig +tries=1 +time=1 @'$V4_1' node-2.office.hamd.internal | grep -q 'flags:.* ra'"

T0=$(now_ms)
check "node 2 renames itself" ctl 2 set nickname "laptop"
check "the new name answers at once" wait_for 2 sh -c "[ \"\$(ip netns exec '$(ns 1)' dig +short +tries=1 +time=1 @'$V4_1' laptop.office.hamd.internal A)\" = '$V4_2' ]"
log "the new name answered after $(( $(now_ms) - T0 )) ms"
check "the old one is gone" test "$(rcode A node-2.office.hamd.internal)" = NXDOMAIN

K3=$(pubkey_of "$(dir 3)")
check "the owner evicts node 3" ctl 1 evict office "$K3"
check "node 3's name stops resolving" wait_for 2 sh -c "[ \"\$(ip netns exec '$(ns 1)' dig +tries=1 +time=1 @'$V4_1' node-3.office.hamd.internal A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')\" = NXDOMAIN ]"

# Hostile packets: none is answered, each is counted.
dropped() { ctl 1 -j peers | sed -n 's/.*"dns_dropped":\([0-9]*\).*/\1/p'; }
D0=$(dropped)
cat > "$T_TMP/hostile.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
q = bytes.fromhex("abcd01000001000000000000") + b"\x04node\x06office\x04hamd\x08internal\x00\x00\x01\x00\x01"
loop = bytes.fromhex("abcd01000001000000000000") + b"\xc0\x0c\x00\x01\x00\x01"
bad = [q[:5], q[:20], q[:-1], loop, q + b"\x00" * 600, bytes([q[0], q[1], 0x81]) + q[3:], b"\xff" * 40]
got = 0
for b in bad:
    s.sendto(b, (sys.argv[1], 53))
    try:
        s.recvfrom(2048)
        got += 1
    except socket.timeout:
        pass
print(got)
PY
check "hostile packets get no answer" test "$(ip netns exec "$(ns 2)" python3 "$T_TMP/hostile.py" "$V4_1")" = 0
check "and are counted" wait_for 2 sh -c "[ \"\$('$HAMCTL' -s '$(dir 1)/hamd.sock' -j peers | sed -n 's/.*\"dns_dropped\":\([0-9]*\).*/\1/p')\" -ge $((D0 + 7)) ]"
check "the responder still answers" test "$(q A laptop.office.hamd.internal)" = "$V4_2"
finish
