#!/bin/sh
# WireGuard's rules over time, in running daemons whose tun clock runs
# 40 times fast (test hook HAMD_TEST_TIME_SCALE: 180 s are 4.5 s), two
# static peers A and B (check_wgtimers proves the same rules on a fake
# clock, these prove the daemon runs them):
#  - REJECT_AFTER_TIME: once the session is older, B (its responder)
#    sends nothing more under it: its next packet starts a handshake,
#    and A never sees data under the old key;
#  - keys are zeroed 3 x REJECT_AFTER_TIME after the session was made:
#    read in tun's memory (tests/tools/memscan), not from a flag;
#  - handshake attempts without an answer stop after
#    REKEY_ATTEMPT_TIME, and start again only when there is something
#    to send;
#  - with every session's send counter starting 3 short of
#    REJECT_AFTER_MESSAGES (test hook HAMD_TEST_SEND_COUNTER), a ping
#    stream goes on through new sessions, no message past the limit
#    arrives, and neither daemon aborts.
. "$(dirname "$0")/lib.sh"
require_root
[ "${HAMD_TEST_HOOKS:-no}" = yes ] ||
    skip "needs a build with --enable-test-hooks"
mktmp
SCALE=40
A="hamd-wta-$$"; B="hamd-wtb-$$"
netns_add "$A"; netns_add "$B"
link_pair "$A" "$B" 192.168.248.1/24 192.168.248.2/24
for n in a b; do
	mkdir -p -m 755 "$T_TMP/$n"
	mkdir -m 700 "$T_TMP/$n/state"
	"$HAMCTL" genkey "$T_TMP/$n/state/private.key"
done
KA=$(pubkey_of "$T_TMP/a"); KB=$(pubkey_of "$T_TMP/b")
write_conf "$T_TMP/a" 'address 10.248.0.1/24' 'listen-port 51830' \
    'peer "b" {' "public-key \"$KB\"" 'endpoint "192.168.248.2:51831"' \
    'allowed-ips 10.248.0.2/32' '}'
write_conf "$T_TMP/b" 'address 10.248.0.2/24' 'listen-port 51831' \
    'peer "a" {' "public-key \"$KA\"" 'endpoint "192.168.248.1:51830"' \
    'allowed-ips 10.248.0.1/32' '}'
HOOKS="HAMD_TEST_TIME_SCALE=$SCALE HAMD_TEST_KEYLOG=1"
start_hamd "$A" "$T_TMP/a" $HOOKS
PA=$HAMD_PID
start_hamd "$B" "$T_TMP/b" $HOOKS
PB=$HAMD_PID
if ! wait_for 10 hamd_ready "$T_TMP/a" || ! wait_for 10 hamd_ready "$T_TMP/b"; then
	not_ok "both nodes start"; finish; exit
fi
ok "both nodes start"
check "tun's clock runs $SCALE times fast" \
    grep -q "test hook: tun's clock runs $SCALE times fast" "$T_TMP/a/hamd.log"
MEMSCAN="$top_builddir/tests/tools/memscan"

# peer DIR FIELD: a number or boolean of the node's one peer
peer() {
	hamctl_in "$1" -j peers | python3 -c '
import json, sys
v = json.load(sys.stdin)["peers"][0]
f = sys.argv[1]
v = v["drops"][f[6:]] if f.startswith("drops.") else v[f]
print(str(v).lower())' "$2"
}
# keys DIR: the send and receive keys of the node's last session (hex)
keys() {
	grep 'test hook: keylog peer' "$1/hamd.log" | tail -n 1 |
	    sed 's/.* send \([0-9a-f]*\) recv \([0-9a-f]*\)$/\1 \2/'
}
# held DIR KEY...: how many of the keys the node's tun holds
held() {
	"$MEMSCAN" "$(proc_pid "$1" tun)" $(shift; echo "$@") | grep -c found
}
ms() { echo "$(( ($1) * 1000 / SCALE ))"; }	# real ms of scaled seconds

# --- REJECT_AFTER_TIME: no key used past it ---------------------------------
check "A reaches B" wait_for 10 pings "$A" 10.248.0.2
t_made=$(now_ms)
K1=$(keys "$T_TMP/a")
check "the session's keys are logged ($K1)" [ ${#K1} = 129 ]
check "tun of A holds them" [ "$(held "$T_TMP/a" $K1)" = 2 ]
check "tun of B holds them" [ "$(held "$T_TMP/b" $K1)" = 2 ]
hs_b=$(peer "$T_TMP/b" handshakes)
state_a=$(peer "$T_TMP/a" drops.state)
expired() { [ "$(peer "$T_TMP/b" session)" = false ]; }
check "B's session expires (REJECT_AFTER_TIME, 180 s: $(ms 180) ms)" \
    wait_for 10 expired
log "B's session expired after $(( $(now_ms) - t_made )) ms"
# Whatever session B's ping makes, it is made after this.
t_made=$(now_ms)
check "B reaches A again" wait_for 5 pings "$B" 10.248.0.1
check "B, its responder, made a new session to send" \
    [ "$(peer "$T_TMP/b" handshakes)" -gt "$hs_b" ]
check "A saw no data under the old key ($state_a: drops of state)" \
    [ "$(peer "$T_TMP/a" drops.state)" = "$state_a" ]

# --- keys zeroed 3 x REJECT_AFTER_TIME after they were made --------------------
K2=$(keys "$T_TMP/b")
check "the new session's keys are new" [ ${#K2} = 129 -a "$K2" != "$K1" ]
check "tun of A holds them" [ "$(held "$T_TMP/a" $K2)" = 2 ]
gone() { [ "$(held "$T_TMP/a" $K1 $K2)$(held "$T_TMP/b" $K1 $K2)" = 00 ]; }
check "both tuns hold none of either session's keys within 3 x 180 s ($(ms 540) ms)" \
    wait_for 30 gone
t_gone=$(( $(now_ms) - t_made ))
log "the keys were gone after $t_gone ms"
check "... and not before ($t_gone >= $(ms 540) - 200 ms of tun's tick)" \
    [ "$t_gone" -ge $(( $(ms 540) - 200 )) ]
check "A still runs" alive "$PA"
check "B still runs" alive "$PB"

# --- attempts stop after REKEY_ATTEMPT_TIME, start again with data -------------
# B goes; a listener on its port logs what arrives (arrival ms, length).
check "B stops" stop_hamd "$PB"
ip netns exec "$B" python3 -u -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.168.248.2", 51831))
while True:
    d, a = s.recvfrom(2048)
    print(int(time.time() * 1000), len(d), flush=True)' >"$T_TMP/heard" 2>&1 &
LISTENER=$!
track_pid "$LISTENER"

wait_for 5 sh -c "ip netns exec $B ss -uln | grep -q 51831" ||
    not_ok "the listener is ready"
ip netns exec "$A" ping -n -q -c 1 -W 1 10.248.0.2 >/dev/null 2>&1
# quiet: nothing heard for a second (40 s, eight retry intervals)
quiet() {
	l=$(tail -n 1 "$T_TMP/heard" | cut -d' ' -f1)
	[ -n "$l" ] && [ $(( $(date +%s%3N) - l )) -ge 1000 ]
}
check "A's initiations stop (REKEY_ATTEMPT_TIME, 90 s: $(ms 90) ms)" \
    wait_for 15 quiet
n1=$(wc -l < "$T_TMP/heard")
first=$(head -n 1 "$T_TMP/heard" | cut -d' ' -f1)
last=$(tail -n 1 "$T_TMP/heard" | cut -d' ' -f1)
log "$n1 initiations over $((last - first)) ms"
check "all of them initiations (148 bytes)" \
    [ "$(awk '$2 != 148' "$T_TMP/heard" | wc -l)" = 0 ]
# Retried for at least half the attempt (a loaded machine may stall tun's
# timer), and none after it.
check "retried all along, then given up ($((last - first)) ms)" \
    [ $((last - first)) -ge $(( $(ms 90) / 2 )) \
    -a $((last - first)) -le $(( $(ms 90) + 300 )) ]
more() { [ "$(wc -l < "$T_TMP/heard")" -gt "$n1" ]; }
if wait_for 1 more; then
	not_ok "no initiation while nothing is to be sent"
else
	ok "no initiation while nothing is to be sent"
fi
ip netns exec "$A" ping -n -q -c 1 -W 1 10.248.0.2 >/dev/null 2>&1
check "something to send: a new attempt at once" wait_for 2 more

check "A logged no fatal error" sh -c "! grep -qi 'fatal' '$T_TMP/a/hamd.log'"
check "A stops cleanly" stop_hamd "$PA"
kill "$LISTENER" 2>/dev/null

# --- REJECT_AFTER_MESSAGES: three messages a session, and on ------------------
# Each session starts past REKEY_AFTER_MESSAGES (its first message asks
# for the next handshake, at most one per REKEY_TIMEOUT: 125 ms here) and
# 3 short of REJECT_AFTER_MESSAGES: a 50 a second stream uses a session
# up before the next is allowed, and waits for it.
REJECT=18446744073709543423	# 2^64 - 1 - 2^13
HOOKS="HAMD_TEST_TIME_SCALE=$SCALE HAMD_TEST_SEND_COUNTER=18446744073709543420"
: >"$T_TMP/a/hamd.log"; : >"$T_TMP/b/hamd.log"
start_hamd "$A" "$T_TMP/a" $HOOKS
PA=$HAMD_PID
start_hamd "$B" "$T_TMP/b" $HOOKS
PB=$HAMD_PID
if ! wait_for 10 hamd_ready "$T_TMP/a" || ! wait_for 10 hamd_ready "$T_TMP/b"; then
	not_ok "both nodes start again"; finish; exit
fi
check "sessions start sending 3 short of REJECT_AFTER_MESSAGES ($REJECT)" \
    grep -q "test hook: sessions start sending at counter 18446744073709543420" \
    "$T_TMP/a/hamd.log"
check "A reaches B" wait_for 10 pings "$A" 10.248.0.2
got=$(ip netns exec "$A" ping -n -q -i 0.02 -c 100 -W 1 10.248.0.2 2>&1 |
    sed -n 's/.* \([0-9]*\) received.*/\1/p')
hs=$(peer "$T_TMP/a" handshakes)
log "100 pings: ${got:-?} answered; A made $hs sessions"
check "the stream goes on through new sessions (${got:-?} of 100 answered)" \
    [ "${got:-0}" -ge 75 ]
check "... at most 3 messages each: A's 100 took 34 or more ($hs)" \
    [ "$hs" -ge 34 ]
unlimit() { hamctl_in "$1" -j peers | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["unattributed_drops"]["counter_limit"] + j["peers"][0]["drops"]["counter_limit"])'; }
check "no message past REJECT_AFTER_MESSAGES arrived at A ($(unlimit "$T_TMP/a"))" \
    [ "$(unlimit "$T_TMP/a")" = 0 ]
check "... nor at B ($(unlimit "$T_TMP/b"))" [ "$(unlimit "$T_TMP/b")" = 0 ]
for n in a b; do
	check "$n logged no fatal error" \
	    sh -c "! grep -qi 'fatal' '$T_TMP/$n/hamd.log'"
done
check "A stops cleanly" stop_hamd "$PA"
check "B stops cleanly" stop_hamd "$PB"
finish
