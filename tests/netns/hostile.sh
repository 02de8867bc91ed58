#!/bin/sh
# Hostile input against hamd's WireGuard state machine.  hamd runs in
# namespace A with one static peer whose key is the test tool's
# (tests/tools/wgpeer); the tool runs in namespace B.  For every
# scenario: the tool's verdict, exactly which drop counters moved (hamctl
# -j peers), that the peer's endpoint is still the authenticated one,
# that hamd lives, and that a real handshake and ping still work.
#
# The tool sends valid handshakes from MAIN and every hostile datagram
# (forged, replayed, unauthenticated) from HOSTILE, another address and
# port: hamd must learn MAIN as the endpoint and never move to HOSTILE.
. "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3 to read hamctl -j"
WGPEER="$top_builddir/tests/tools/wgpeer"
[ -x "$WGPEER" ] || skip "$WGPEER is not built (make check builds it)"
mktmp
A="hamd-ha-$$"; B="hamd-hb-$$"
netns_add "$A"; netns_add "$B"
link_pair "$A" "$B" 192.168.243.1/24 192.168.243.2/24
ip -n "$B" addr add 192.168.243.3/24 dev eth0
MAIN=192.168.243.2:51900
HOSTILE=192.168.243.3:51901
mkdir -p "$T_TMP/a"
chmod 755 "$T_TMP/a"
mkdir -m 700 "$T_TMP/a/state"
"$HAMCTL" genkey "$T_TMP/a/state/private.key"
"$HAMCTL" genkey "$T_TMP/tool.key"
(umask 077; head -c 32 /dev/urandom | base64 > "$T_TMP/psk")
KA=$(pubkey_of "$T_TMP/a")
KT=$("$HAMCTL" pubkey "$T_TMP/tool.key")

# No configured endpoint: hamd may only learn it from an authenticated packet.
write_conf "$T_TMP/a" 'address 10.243.0.1/24' 'listen-port 51820' \
    'peer "tool" {' "public-key \"$KT\"" "preshared-key \"$T_TMP/psk\"" \
    'allowed-ips 10.243.0.2/32' '}'
start_hamd "$A" "$T_TMP/a"
if ! wait_for 10 hamd_ready "$T_TMP/a"; then
	cat "$T_TMP/a/hamd.log"
	not_ok "hamd starts"; finish; exit
fi
ok "hamd starts"
hamctl_in "$T_TMP/a" log verbose >/dev/null

wgpeer() {
	ip netns exec "$B" "$WGPEER" -k "$T_TMP/tool.key" -r "$KA" \
	    -P "$T_TMP/psk" -t 192.168.243.1:51820 -l "$MAIN" -x "$HOSTILE" \
	    -s 10.243.0.2 -d 10.243.0.1 -b 10.243.0.9 "$@"
}

# stats: hamd's counters, one sorted "key value" a line: peer.REASON (the
# tool's drops), un.REASON (drops with no peer), cookies, handshakes and
# the peer's endpoint ("none" until one authenticated).
stats() {
	hamctl_in "$T_TMP/a" -j peers | python3 -c '
import json, sys
j = json.load(sys.stdin)
p = j["peers"][0]
for k, v in p["drops"].items(): print("peer.%s %d" % (k, v))
for k, v in j["unattributed_drops"].items(): print("un.%s %d" % (k, v))
print("engine.rx_malformed %d" % j["engine"]["rx_malformed"])
print("cookies %d" % j["cookie_replies_sent"])
print("ratelimited %d" % j["handshakes_ratelimited"])
print("handshakes %d" % p["handshakes"])
print("endpoint %s" % p.get("endpoint", "none"))' | sort
}
stat_of() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }

# changes BEFORE AFTER [KEY...]: the drop and cookie counters that moved,
# as "key+delta" words in sorted order, leaving out the KEYs given.
changes() {
	b=$1; a=$2; shift 2
	printf '%s\n' "$b" > "$T_TMP/before"
	printf '%s\n' "$a" > "$T_TMP/after"
	join "$T_TMP/before" "$T_TMP/after" | awk -v skip=" $* " '
	    $1 != "endpoint" && $1 != "handshakes" && $3 != $2 &&
	    index(skip, " " $1 " ") == 0 {
		printf "%s%s+%d", sep, $1, $3 - $2; sep = " "
	    }'
}
moved() { [ "$(changes "$1" "$(stats)")" = "$2" ]; }

# Echo requests the kernel behind hamd received: what hamd let through.
echos_in() {
	ip netns exec "$A" awk '$1 == "Icmp:" {
		if (!h) { for (i = 1; i <= NF; i++) if ($i == "InEchos") f = i; h = 1 }
		else print $f }' /proc/net/snmp
}

# scenario NAME WANT ECHOS: run it; check its verdict, that exactly the
# counters WANT moved, that ECHOS echo requests reached hamd's host, that
# the endpoint is $EP, and that hamd lives.  With HEALTH=1, a real
# handshake and ping from MAIN must then work.
scenario() {
	name=$1; want=$2; echos=$3
	before=$(stats)
	e0=$(echos_in)
	out=$(wgpeer "$name" 2>&1); rc=$?
	check "$name: $out" [ "$rc" = 0 ]
	if wait_for 3 moved "$before" "$want"; then
		ok "$name: counters moved: ${want:-none}"
	else
		not_ok "$name: counters: want '${want:-none}', got '$(changes "$before" "$(stats)")'"
	fi
	e1=$(echos_in)
	check "$name: $echos echo requests reached hamd's host ($((e1 - e0)))" \
	    [ $((e1 - e0)) = "$echos" ]
	ep=$(stat_of "$(stats)" endpoint)
	check "$name: endpoint is $EP ($ep)" [ "$ep" = "$EP" ]
	check "$name: hamd still runs" alive "$HAMD_PID"
	[ "$HEALTH" = 1 ] || return 0
	hs=$(wgpeer handshake 2>&1)
	check "$name: then a real handshake and ping: $hs" [ "$hs" = ok ]
}

# The pre-authentication attacks, with the counter each must move.
# Wrong sizes and types never reach tun: the engine's classifier drops
# and counts them (hamctl peers shows the engine's counters).
unauthenticated() {
	scenario sizes "engine.rx_malformed+899" 0
	scenario badmac1 "un.bad_mac+1" 0
	scenario unknown-index "un.unknown_index+1" 0
	# Replies nobody asked for: the index names no handshake.
	scenario cookie-unknown-index "un.unknown_index+1" 0
	scenario response-foreign-index "un.unknown_index+1" 0
}

# Before any handshake nothing may set an endpoint.
EP=none HEALTH=0
unauthenticated
# A real handshake makes MAIN the endpoint; no attack may move it.
EP=$MAIN HEALTH=1
scenario handshake "" 1
unauthenticated
scenario replay-init "peer.replay+1" 0
scenario replay-data "peer.replay+1" 1
scenario forged-tag "peer.bad_mac+2" 1
scenario bad-source "peer.allowed_ips+1" 1
# A response to a handshake that is over: its index names a session now.
scenario response-stale-index "un.unknown_index+1" 1

# --- hamd as responder waits for the initiator's first packet ---------------
# hamd's host pings the tool's tunnel address all along: after the tool's
# handshake, nothing under the new session until the tool's keepalive.
ip netns exec "$A" ping -n -q -i 0.2 -c 25 10.243.0.2 >/dev/null 2>&1 &
PING=$!
track_pid "$PING"
out=$(wgpeer confirm 2>&1)
check "confirm: nothing under a new session until the initiator's packet: $out" \
    [ "$out" = ok ]
kill "$PING" 2>/dev/null
check "confirm: hamd still runs" alive "$HAMD_PID"

# --- one peer's initiations: at most 50 a second ----------------------------
# 100 real initiations from MAIN, one every 5 ms, each newer than the
# last: no replay and no load, so only the per-peer limit (one per 20 ms)
# holds them back; the rest are counted as out of state, nothing else.
before=$(stats)
out=$(wgpeer -n 100 init-rate 2>&1); rc=$?
check "init-rate: $out" [ "$rc" = 0 ]
ans=$(printf '%s\n' "$out" | sed -n 's/^answered=\([0-9]*\) .*/\1/p')
took=$(printf '%s\n' "$out" | sed -n 's/.* in \([0-9]*\) ms$/\1/p')
check "init-rate: at most one answer per 20 ms (${ans:-?} in ${took:-?} ms)" \
    [ "${ans:-999}" -le $(( ${took:-0} / 20 + 2 )) -a "${ans:-0}" -ge 1 ]
if wait_for 3 moved "$before" "peer.state+$((100 - ${ans:-0}))"; then
	ok "init-rate: the other $((100 - ${ans:-0})) counted (peer.state), nothing else"
else
	not_ok "init-rate: counters: want 'peer.state+$((100 - ${ans:-0}))', got '$(changes "$before" "$(stats)")'"
fi
check "init-rate: endpoint is $MAIN" [ "$(stat_of "$(stats)" endpoint)" = "$MAIN" ]
check "init-rate: hamd still runs" alive "$HAMD_PID"
hs=$(wgpeer handshake 2>&1)
check "init-rate: then a real handshake and ping: $hs" [ "$hs" = ok ]

# --- flood: cookies under load, and the cookie works ---------------------
# Junk initiations with a valid mac1 from HOSTILE: hamd does Diffie-
# Hellman (and counts un.bad_mac) until more than 200 a second put it
# under load; from then on it answers with cookie replies only, and only
# as many as the source's rate allows (20 a second, 5 at once).
before=$(stats)
out=$(wgpeer -n 500 flood 2>&1); rc=$?
check "flood: $out" [ "$rc" = 0 ]
got=$(printf '%s\n' "$out" | sed -n 's/.*cookies=\([0-9]*\).*/\1/p')
aftr=$(stats)
dc=$(( $(stat_of "$aftr" cookies) - $(stat_of "$before" cookies) ))
db=$(( $(stat_of "$aftr" un.bad_mac) - $(stat_of "$before" un.bad_mac) ))
dr=$(( $(stat_of "$aftr" ratelimited) - $(stat_of "$before" ratelimited) ))
check "flood: hamd counted every cookie reply the tool got and the probe's ($dc >= ${got:-?} + 1)" \
    [ "$dc" -ge $(( ${got:-0} + 1 )) ]
# Every junk initiation got a Diffie-Hellman, a cookie or the rate
# limit, never two of them.
dh_bounded() { [ "$db" -lt 500 ] && [ $((db + dc + dr)) -le 502 ]; }
check "flood: Diffie-Hellman only until under load ($db opened, $dc cookies, $dr over the source's rate)" \
    dh_bounded
check "flood: the per-source rate limit held back most ($dr)" [ "$dr" -gt 100 ]
check "flood: nothing else counted ($(changes "$before" "$aftr" cookies un.bad_mac ratelimited))" \
    [ -z "$(changes "$before" "$aftr" cookies un.bad_mac ratelimited)" ]
check "flood: endpoint still $MAIN" [ "$(stat_of "$aftr" endpoint)" = "$MAIN" ]
check "flood: hamd still runs" alive "$HAMD_PID"
hs=$(wgpeer handshake 2>&1)
check "flood: then a real handshake and ping: $hs" [ "$hs" = ok ]

check "hamd logged no fatal error" sh -c "! grep -qi 'fatal' '$T_TMP/a/hamd.log'"
stop_hamd "$HAMD_PID"
check "hamd stops cleanly" dead "$HAMD_PID"
finish
