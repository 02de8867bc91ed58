#!/bin/sh
# Hole punching across the hubs of a cluster (issue 16): PostgreSQL and
# two hubs on the "internet" of natlib.sh, and nodes behind real NATs,
# each pair split over the two hubs, so that every candidate and every
# "probe now" (PEER_PATHS) a node gets about its peer came through the
# database's NOTIFY from the other hub:
#
#   eim1 (hub 1)  - prc1 (hub 2)   direct (endpoint-independent filtering)
#   eim1 (hub 1)  - sym1 (hub 2)   direct (sym1's port only the probe
#                                  made: the peer-reflexive rule)
#   prc2 (hub 1)  - prc1 (hub 2)   direct: both NATs map endpoint-
#                                  independently, so the simultaneous
#                                  probes open both filters
#   udpb1 (hub 1) - sym1 (hub 2)   the relay across hubs: udpb1 reaches
#                                  no one by UDP; sym1 registers at
#                                  hub 1 as a guest and relays by UDP
#                                  through it, udpb1 over its TCP
#                                  connection to sym1's guest session
#
# Each pair pings both ways and the test checks the path both ends chose.
# Then the hub side of the relay across hubs: each hub holds the other's
# nodes as guest relay sessions and publishes where it relays, and
# forged guest REGISTERs (a stranger's address, a made-up token) are
# refused and counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/natlib.sh"
. "$(dirname "$0")/pglib.sh"
require_root
nat_require
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
pg_require
mktmp

H1=203.0.113.1
H2=203.0.113.2
PG_ADDR=203.0.113.5
nat_inet_host db "$PG_ADDR"
nat_inet_host hub1 "$H1"
nat_inet_host hub2 "$H2"
nat_inet_host evil 203.0.113.66
if ! pg_start "$(nat_ns db)" "$PG_ADDR" 203.0.113.0/24; then
	not_ok "PostgreSQL starts"; finish; exit
fi
ok "PostgreSQL starts on the internet"
cluster_hub_conf "$T_TMP/hub1" "$H1" "$T_TMP/cluster.key"
cluster_hub_conf "$T_TMP/hub2" "$H2" "$T_TMP/cluster.key"
start_hub "$(nat_ns hub1)" "$T_TMP/hub1"
check "hub 1 starts and makes the cluster's key" wait_for 15 hub_ready "$T_TMP/hub1"
start_hub "$(nat_ns hub2)" "$T_TMP/hub2"
check "hub 2 starts in the cluster" wait_for 15 hub_ready "$T_TMP/hub2"
HUBKEY=$(hubctl "$T_TMP/hub1" hub key)

nat_router eim eim 203.0.113.11 10.1.0.0/24
nat_router prc port-restricted 203.0.113.12 10.2.0.0/24
nat_router sym symmetric 203.0.113.13 10.3.0.0/24
nat_router prcb port-restricted 203.0.113.16 10.6.0.0/24
nat_router udpb udp-blocked 203.0.113.14 10.4.0.0/24
nat_host eim1 eim 10.1.0.10
nat_host prc1 prc 10.2.0.10
nat_host sym1 sym 10.3.0.10
nat_host prc2 prcb 10.6.0.10
nat_host udpb1 udpb 10.4.0.10
NODES="eim1 prc1 sym1 prc2 udpb1"
home() { case $1 in eim1|prc2|udpb1) echo "$H1" ;; *) echo "$H2" ;; esac; }
other() { case $1 in eim1|prc2|udpb1) echo "$H2" ;; *) echo "$H1" ;; esac; }
for n in $NODES; do
	mkdir -p "$(nat_dir "$n")"
	write_conf "$(nat_dir "$n")" \
	    "hub \"$(home "$n"):7777\" \"$(other "$n"):7777\" public-key \"$HUBKEY\"" \
	    "nickname \"$n\""
	start_hamd "$(nat_ns "$n")" "$(nat_dir "$n")"
done
on_home() {
	hamctl_in "$(nat_dir "$1")" status 2>/dev/null |
	    grep -q "^hub: *$(home "$1") port 7777.*online"
}
for n in $NODES; do
	check "$n logs in to hub $(home "$n")" wait_for 20 on_home "$n"
done

hamctl_n() { _n=$1; shift; hamctl_in "$(nat_dir "$_n")" "$@"; }
for n in $NODES; do eval "KEY_$n=\$(pubkey_of \"\$(nat_dir $n)\")"; done
# peer_field A B FIELD: FIELD of B in A's "hamctl -j peers"
peer_field() {
	eval "_k=\$KEY_$2"
	hamctl_n "$1" -j peers 2>/dev/null | python3 -c '
import json, sys
k, f = sys.argv[1], sys.argv[2]
for p in json.load(sys.stdin)["peers"]:
    if p.get("public_key") == k:
        print(p.get(f, ""))' "$_k" "$3"
}
path_is() { test "$(peer_field "$1" "$2" path)" = "$3"; }
v4_of() { overlay_v4 "$(nat_ns "$1")"; }
ping_once() { ip netns exec "$(nat_ns "$1")" ping -n -q -c 1 -W 1 "$(v4_of "$2")" >/dev/null 2>&1; }

check "eim1 creates a network through hub 1" sh -c "printf 'xnatpassword\n' |
    '$HAMCTL' -s '$(nat_dir eim1)/hamd.sock' create xnat"
for n in prc1 sym1 prc2 udpb1; do
	check "$n joins through hub $(home "$n")" sh -c "printf 'xnatpassword\n' |
	    '$HAMCTL' -s '$(nat_dir "$n")/hamd.sock' join xnat"
done
for n in $NODES; do
	check "$n has its overlay address" wait_for 10 sh -c \
	    "[ -n \"\$(ip -n $(nat_ns "$n") -4 -o addr show dev ham0 2>/dev/null)\" ]"
done

PAIRS="eim1:prc1 eim1:sym1 prc2:prc1"
T0=$(now_ms)
for p in $PAIRS; do
	a=${p%:*}; b=${p#*:}
	check "$a (hub $(home "$a")) reaches $b (hub $(home "$b"))" wait_for 20 ping_once "$a" "$b"
	check "$b reaches $a" wait_for 10 ping_once "$b" "$a"
done
log "the three cross-hub pairs answered within $(( $(now_ms) - T0 )) ms of the mesh"
direct() { path_is "$1" "$2" direct && path_is "$2" "$1" direct; }
for p in $PAIRS; do
	a=${p%:*}; b=${p#*:}
	check "$a and $b go direct, both ways" wait_for 15 direct "$a" "$b"
	log "$a-$b: $(peer_field "$a" "$b" path) / $(peer_field "$b" "$a" path), $a sees $b at $(peer_field "$a" "$b" endpoint)"
done

# The relay across hubs: sym1 relays by UDP through hub 1, where it is a
# guest (its packets come from hub 1's relay address), udpb1 over its
# TCP connection to hub 1, to sym1's guest session there.
T0=$(now_ms)
check "udpb1 (hub 1, no UDP) reaches sym1 (hub 2, symmetric NAT)" \
    wait_for 20 ping_once udpb1 sym1
check "sym1 reaches udpb1" wait_for 10 ping_once sym1 udpb1
log "the relayed pair answered both ways within $(( $(now_ms) - T0 )) ms"
relayed() {
	path_is udpb1 sym1 relay-tcp && path_is sym1 udpb1 relay-udp &&
	    test "$(peer_field sym1 udpb1 endpoint)" = "$H1:7777"
}
check "udpb1 relays over TCP, sym1 by UDP through hub 1 as a guest" \
    wait_for 15 relayed
log "udpb1-sym1: $(peer_field udpb1 sym1 path) / $(peer_field sym1 udpb1 path), sym1 sees udpb1 at $(peer_field sym1 udpb1 endpoint)"

# Each hub relays its own nodes and the other hub's as guests (the
# relay across hubs, hub side): five relay sessions each.
relay_sessions() {
	hubctl "$1" -j hub status 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin).get("engine", {}).get("relay_sessions", ""))'
}
five() { test "$(relay_sessions "$1")" = 5; }
log "relay sessions: hub 1 $(relay_sessions "$T_TMP/hub1"), hub 2 $(relay_sessions "$T_TMP/hub2")"
check "hub 1 holds its three nodes' relay sessions and hub 2's two as guests" \
    wait_for 5 five "$T_TMP/hub1"
check "hub 2 holds its two and hub 1's three" wait_for 5 five "$T_TMP/hub2"
check "the hubs publish where they relay" test \
    "$(DB=hamd psql_pg "SELECT count(*) FROM hubs WHERE length(relay) = 7")" = 2

# Forged guest REGISTERs at hub 1 for sym1 (a guest there, logged in at
# hub 2): from a stranger's address it is refused by the engine
# (relay_foreign); from sym1's own public address (its router) but under
# a made-up token the authority refuses it (relay_unknown).  Neither is
# answered.
engine_field() {	# engine_field DIR FIELD
	hubctl "$1" -j hub status 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin).get("engine", {}).get(sys.argv[1], 0))' "$2"
}
SYM_HEX=$(printf '%s' "$KEY_sym1" | python3 -c 'import base64, sys
print(base64.b64decode(sys.stdin.read()).hex())')
SYM_RID=$(DB=hamd psql_pg "SELECT encode(substring(paths from 34 for 4), \
    'hex') FROM hub_online WHERE pubkey = decode('$SYM_HEX', 'hex')")
log "sym1's relay id (from its row): $SYM_RID"
# forge NS: five REGISTERs for sym1's id, new counters, random MACs,
# from NS to hub 1 (under the gate's burst of 8); prints what came back
# within a second (nothing)
forge() {
	ip netns exec "$(nat_ns "$1")" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for i in range(5):
    m = bytes([0x82, 0, 0, 0]) + bytes.fromhex(sys.argv[1]) + \
        ((1 << 40) + i).to_bytes(8, "big") + os.urandom(16)
    s.sendto(m, (sys.argv[2], 7777))
try:
    print(len(s.recv(100)))
except socket.timeout:
    pass' "$SYM_RID" "$H1"
}
# The engines report their counters about once a second, and a node's
# relay copy to a peer at the other hub whose guest session here has not
# registered yet counts as relay_unknown: the baseline is taken once
# both counters hold still for 1.5 s.
at_ms() { [ "$(now_ms)" -ge "$1" ]; }
refusals() { echo "$(engine_field "$T_TMP/hub1" relay_unknown) $(engine_field "$T_TMP/hub1" relay_foreign)"; }
still() {
	_a=$(refusals)
	wait_for 3 at_ms $(( $(now_ms) + 1500 ))
	[ "$(refusals)" = "$_a" ]
}
check "hub 1's relay counters hold still before the forgeries" wait_for 15 still
set -- $(refusals); unknown0=$1; foreign0=$2
log "hub 1 before the forgeries: relay_unknown $unknown0, relay_foreign $foreign0"
OUT=$(forge evil)
check "forged guest REGISTERs from a stranger get no answer" test -z "$OUT"
more() { test "$(engine_field "$T_TMP/hub1" "$1")" -gt "$2"; }
check "hub 1 counts them as foreign" wait_for 3 more relay_foreign \
    $((foreign0 + 4))
OUT=$(forge sym)
check "from sym1's own address under a made-up token, no answer either" \
    test -z "$OUT"
check "hub 1's authority refuses them (relay_unknown)" \
    wait_for 3 more relay_unknown $((unknown0 + 4))
check "no hub process was killed by its filter" sh -c \
    "! grep -qi seccomp '$T_TMP/hub1/hub.log' '$T_TMP/hub2/hub.log'"
finish
