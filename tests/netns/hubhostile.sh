#!/bin/sh
# Hostile input at the hub's TCP port.  One hamhubd and two real hamd
# nodes, members of one network, ping each other over their overlay
# addresses for the whole test; an attacker namespace runs
# tests/tools/hubpoke against the hub: garbage, truncated, zero and
# oversized frames, silent connections, handshakes for another hub key,
# low-order keys, a replayed handshake and login, frames of the wrong
# kind, a node that never reads, relay traffic against the relay's
# rules (a registration from another address than the node's among
# them), and a flood of fresh keys logging in at once.
#
# After every attack: the tool saw the hub close that connection in
# time, the hub's processes are the same ones, both nodes are still
# logged in on their first connection and reach each other, every
# hostile connection is gone, and the engine's counters (hamctl hub
# status -j) moved as they should.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
POKE="$top_builddir/tests/tools/hubpoke"
[ -x "$POKE" ] || skip "$POKE is not built (make check builds it)"
mktmp

LOGIN_TIMEOUT=3
PER_ADDR=4
S=hh-sw-$$ H=hh-h-$$ X=hh-x-$$
bridge_add "$S"
netns_add "$H"
bridge_join "$H" 10.79.0.1/24
for i in 1 2; do
	netns_add "hh-n$i-$$"
	bridge_join "hh-n$i-$$" "10.79.0.1$i/24"
done
# The attacker: one address for single connections, eight more for the
# flood (the hub counts connections per address).
netns_add "$X"
bridge_join "$X" 10.79.0.50/24
FLOOD_SRC=""
for a in 51 52 53 54 55 56 57 58; do
	ip -n "$X" addr add "10.79.0.$a/24" dev eth0
	FLOOD_SRC="$FLOOD_SRC${FLOOD_SRC:+,}10.79.0.$a"
done
ns() { echo "hh-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }
HUB="$T_TMP/hub"

mkdir -p "$HUB"
write_hub_conf "$HUB" 'listen on 10.79.0.1 port 7777' \
    "login-timeout $LOGIN_TIMEOUT" "max-connections-per-address $PER_ADDR"
start_hub "$H" "$HUB"
if ! wait_for 10 hub_ready "$HUB"; then
	cat "$HUB/hub.log"
	not_ok "hub starts"; finish; exit
fi
ok "hub starts"
HUBKEY=$(hubctl "$HUB" hub key)

for i in 1 2; do
	mkdir -p "$(dir "$i")"
	write_conf "$(dir "$i")" "hub \"10.79.0.1:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"node$i\""
	start_hamd "$(ns "$i")" "$(dir "$i")"
	eval "PID$i=\$HAMD_PID"
done
for i in 1 2; do
	check "node $i logs in" wait_for 15 node_online "$(dir "$i")"
done
K1=$(pubkey_of "$(dir 1)")
K2=$(pubkey_of "$(dir 2)")
check "node 1 creates a network" sh -c "printf 'hostilepass\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create hostile >/dev/null"
check "node 2 joins it" sh -c "printf 'hostilepass\n' |
    '$HAMCTL' -s '$(dir 2)/hamd.sock' join hostile >/dev/null"
V4_1=$(overlay_v4 "$(ns 1)")
V4_2=$(overlay_v4 "$(ns 2)")
reach() { pings "$(ns "$1")" "$(eval "echo \$V4_$2")"; }
check "node 1 reaches node 2" wait_for 10 reach 1 2
check "node 2 reaches node 1" wait_for 10 reach 2 1

# Both ways, five times a second, for the whole test.
for i in 1 2; do
	j=$((3 - i))
	ip netns exec "$(ns "$i")" ping -n -i 0.2 -W 1 \
	    "$(eval "echo \$V4_$j")" >"$T_TMP/ping$i.log" 2>&1 &
	eval "PING$i=\$!"
	track_pid "$!"
done

# --- the hub's view ----------------------------------------------------------
hubjson() { hubctl "$HUB" -j hub status; }
# hubstat KEY: a number from the status (engine counters, online, ...)
hubstat() { hubjson | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
procs() { hubjson | grep -o '"name":"[a-z]*","pid":[0-9]*' | tr '\n' ' '; }
PROCS=$(procs)
log "hub processes: $PROCS"
check "the hub reports four processes" \
    test "$(printf '%s\n' "$PROCS" | grep -o '"pid":[1-9]' | wc -l)" = 4
hub_alive() {
	[ "$(procs)" = "$PROCS" ] || return 1
	for p in $(printf '%s\n' "$PROCS" | grep -o '"pid":[0-9]*' |
	    sed 's/.*://'); do
		alive "$p" || return 1
	done
}
# stat_is KEY VALUE
stat_is() { [ "$(hubstat "$1")" = "$2" ]; }
# Connections open now: the two nodes' and nothing else.
settled() { stat_is open 2 && stat_is online 2; }
check "the hub holds exactly the nodes' connections" wait_for 5 settled

# seen: connections the engine has accepted or refused, from one report
seen() {
	hubjson | sed -n 's/.*"accepted":\([0-9]*\),"refused":\([0-9]*\).*/\1 \2/p' |
	    { read -r a r && echo $((a + r)); }
}
seen_all() { [ "$(seen)" = $((SEEN0 + CONNS)) ]; }

# poke NAME ARGS...: run hubpoke in the attacker's namespace and check
# its verdict.  It prints what it saw (OUT) and how many connections it
# opened (CONNS); the counters before are in BAD0, IDLE0, REF0, SEEN0.
# The engine reports its counters once a second, all in one message:
# once that shows every connection the tool opened and none of them
# still open, the counters are final.
poke() {
	name=$1; shift
	BAD0=$(hubstat bad_frames) IDLE0=$(hubstat closed_idle)
	REF0=$(hubstat refused) SEEN0=$(seen)
	t0=$(now_ms)
	OUT=$(ip netns exec "$X" "$POKE" -t "$LOGIN_TIMEOUT" $POKE_OPTS \
	    10.79.0.1 7777 "$@" 2>&1); rc=$?
	printf '%s\n' "$OUT" | sed 's/^/# /'
	check "$name: the hub closed every connection in time ($(( $(now_ms) - t0 )) ms)" \
	    [ "$rc" = 0 ]
	CONNS=$(printf '%s\n' "$OUT" | sed -n 's/^hubpoke: connections=\([0-9]*\)$/\1/p')
	check "$name: the engine saw all ${CONNS:-?} connections" \
	    wait_for 3 seen_all
	check "$name: every hostile connection is gone" wait_for 5 settled
}
POKE_OPTS=""
# counted KEY BEFORE DELTA
counted() {
	if stat_is "$1" $(($2 + $3)); then
		ok "$name: $1 +$3"
	else
		not_ok "$name: $1 +$3 (got +$(( $(hubstat "$1") - $2 )))"
	fi
}
both_online() { node_online "$(dir 1)" && node_online "$(dir 2)"; }
# unharmed: the hub's processes, the nodes' sessions and their tunnel
unharmed() {
	check "$name: the hub's processes live on" hub_alive
	check "$name: both nodes are online" both_online
	check "$name: node 1 reaches node 2" reach 1 2
	check "$name: node 2 reaches node 1" reach 2 1
}
# attack NAME BAD IDLE REFUSED MODE [ARGS]: run MODE; the engine must
# count BAD bad frames, IDLE connections closed for silence and
# REFUSED over the limits; nothing else may be harmed.
attack() {
	name=$1 dbad=$2 didle=$3 dref=$4; shift 4
	poke "$name" "$@"
	counted bad_frames "$BAD0" "$dbad"
	counted closed_idle "$IDLE0" "$didle"
	counted refused "$REF0" "$dref"
	unharmed
}

# garbage N: what the engine must count follows from the first two
# random bytes, which the tool reports: a bad length is a bad frame, a
# frame still missing bytes is closed for silence, a complete one is
# refused by the authority (no counter).
garbage() {
	n=$1
	poke "garbage ($n bytes)" garbage "$n"
	lf=$(printf '%s\n' "$OUT" | sed -n 's/.*length_field=\([0-9]*\).*/\1/p')
	if [ -z "$lf" ]; then		# under two bytes: no length yet
		counted bad_frames "$BAD0" 0; counted closed_idle "$IDLE0" 1
	elif [ "$lf" -eq 0 ] || [ "$lf" -gt 16384 ]; then
		counted bad_frames "$BAD0" 1; counted closed_idle "$IDLE0" 0
	elif [ "$n" -ge $((lf + 2)) ]; then
		# The authority refuses the first frame; the engine may cut
		# the random bytes after it into a bad length before it hears.
		check "$name: bad_frames +0 or +1" \
		    [ $(( $(hubstat bad_frames) - BAD0 )) -le 1 ]
		counted closed_idle "$IDLE0" 0
	else
		counted bad_frames "$BAD0" 0; counted closed_idle "$IDLE0" 1
	fi
	counted refused "$REF0" 0
	unharmed
}

for n in 1 2 300 70000; do garbage "$n"; done
attack "truncated frames" 0 1 0 truncated "$HUBKEY"
attack "zero length" 3 0 0 zero "$HUBKEY"
attack "oversized" 4 0 0 oversized "$HUBKEY"
attack "ten silent connections from one address" 0 $PER_ADDR \
    $((10 - PER_ADDR)) idle 10
check "idle: $PER_ADDR accepted at once, the rest refused, all closed" \
    contains "$OUT" "opened=10 refused=$((10 - PER_ADDR)) timed_out=$PER_ADDR late=0 open=0"
attack "an INIT for another hub key" 0 0 0 badkey "$HUBKEY"
attack "low-order keys" 0 0 0 loworder "$HUBKEY"
attack "frames of the wrong kind" 0 0 0 badframes "$HUBKEY"
attack "a node that never reads" 0 0 0 slowread "$HUBKEY"

# The relay's rules (hubpoke relay), and one more: a node's REGISTER
# with the right MAC and a counter never used, from another address
# than the node's own hub connection, is refused by the engine before
# the authority sees it, and counted.
FOREIGN0=$(hubstat relay_foreign) REGS0=$(hubstat relay_registers)
POKE_OPTS="-f 10.79.0.51"
attack "relay rules" 0 0 0 relay "$HUBKEY"
POKE_OPTS=""
check "relay: no rule broken, nothing moved from afar" contains "$OUT" "relay: ok"
counted relay_foreign "$FOREIGN0" 1
check "relay: the nodes' own REGISTERs were taken" \
    [ "$(hubstat relay_registers)" -gt "$REGS0" ]

LOGINS0=$(grep -c 'audit: event=login ' "$HUB/hub.log")
attack "replayed INIT and LOGIN" 0 0 0 replay "$HUBKEY"
KR=$(printf '%s\n' "$OUT" | sed -n 's/^replay: node=\([^ ]*\) logged in$/\1/p')
check "replay: the hub refused the replayed INIT" \
    contains "$OUT" "replayed_init=init_refused"
check "replay: the hub audits the replay" \
    grep -q "audit: event=handshake-replay node=$KR from=10.79.0.50:" "$HUB/hub.log"
check "replay: the real session logged in once and out once" \
    test "$(grep -c "audit: event=login node=$KR " "$HUB/hub.log"):$(grep -c "audit: event=logout node=$KR " "$HUB/hub.log")" = 1:1

FLOOD=24
NODES0=$(hubstat nodes)
LOGINS0=$(grep -c 'audit: event=login ' "$HUB/hub.log")
LOGOUTS0=$(grep -c 'audit: event=logout ' "$HUB/hub.log")
POKE_OPTS="-s $FLOOD_SRC"
attack "$FLOOD fresh keys log in at once" 0 0 0 flood $FLOOD "$HUBKEY"
POKE_OPTS=""
check "flood: every session logged in, answered and logged out" \
    contains "$OUT" "sessions=$FLOOD logged_in=$FLOOD answered=$FLOOD closed=$FLOOD"
check "flood: the hub knows $FLOOD more nodes" stat_is nodes $((NODES0 + FLOOD))
check "flood: $FLOOD logins and $FLOOD logouts audited" test \
    "$(( $(grep -c 'audit: event=login ' "$HUB/hub.log") - LOGINS0 )):$(( $(grep -c 'audit: event=logout ' "$HUB/hub.log") - LOGOUTS0 ))" = "$FLOOD:$FLOOD"

# --- the whole time ------------------------------------------------------------
for i in 1 2; do
	check "node $i stayed on its first hub connection" test \
	    "$(grep -c "audit: event=login node=$(eval "echo \$K$i") " "$HUB/hub.log")" = 1
done
check "the hub never lost a node" sh -c "! grep -q 'audit: event=connection-lost node=\($K1\|$K2\)' '$HUB/hub.log'"
pinged() { [ -n "$st" ] && [ "$tx" -gt 50 ] && [ $((tx - rx)) -le 1 ]; }
kill -INT "$PING1" "$PING2"
wait "$PING1" "$PING2" 2>/dev/null
for i in 1 2; do
	st=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$T_TMP/ping$i.log")
	tx=${st% *} rx=${st#* }
	# SIGINT may catch one echo in flight.
	check "node $i pinged its peer throughout: ${rx:-?} of ${tx:-?} answered" \
	    pinged
done
check "the hub logged no fatal error" sh -c "! grep -qi 'fatal' '$HUB/hub.log'"
check "the hub's processes are the ones it started with" hub_alive
finish
