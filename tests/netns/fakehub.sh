#!/bin/sh
# Messages that are valid in one state and not in another, from a hub
# that holds the right key (tests/tools/fakehub), at a running hamd: a
# second login answer, answers to requests nobody made (and to another
# request than the one made), a peer announced before the login's
# answer, a message only nodes send.  hamd must close the connection
# where the protocol says so, act on none of them, keep running and
# log in again.
. "$(dirname "$0")/lib.sh"
require_root
FAKEHUB="$top_builddir/tests/tools/fakehub"
[ -x "$FAKEHUB" ] || skip "$FAKEHUB is not built (make check builds it)"
mktmp
H="hamd-fh-$$"; N="hamd-fn-$$"
netns_add "$H"; netns_add "$N"
link_pair "$H" "$N" 192.168.245.1/24 192.168.245.2/24
mkdir -p "$T_TMP/n"; chmod 755 "$T_TMP/n"
"$HAMCTL" genkey "$T_TMP/hub.key"
HK=$("$HAMCTL" pubkey "$T_TMP/hub.key")
write_conf "$T_TMP/n" 'listen-port 51850' \
    "hub \"192.168.245.1:7900\" public-key \"$HK\""

ip netns exec "$H" "$FAKEHUB" -k "$T_TMP/hub.key" -l 192.168.245.1:7900 \
    -w 20 second-login unasked early-peer node-message \
    >"$T_TMP/fakehub.out" 2>&1 &
TOOL=$!
track_pid "$TOOL"
start_hamd "$N" "$T_TMP/n"
if ! wait_for 10 hamd_ready "$T_TMP/n"; then
	cat "$T_TMP/n/hamd.log"
	not_ok "hamd starts"; finish; exit
fi
ok "hamd starts"
hamctl_in "$T_TMP/n" log verbose >/dev/null

# While the fake hub holds the "unasked" session: a request of ours,
# which it answers with another request's answer first.
if wait_for 40 grep -q 'unasked: waiting for a request' "$T_TMP/fakehub.out"; then
	nets=$(hamctl_in "$T_TMP/n" networks 2>&1); rc=$?
	check "networks: answered ($rc)" [ $rc = 0 ]
	check "networks: the answer to our request (mine)" contains "$nets" mine
	no_stranger() { ! contains "$nets" stranger; }
	check "networks: not another request's answer (stranger)" no_stranger
else
	not_ok "the fake hub's unasked scenario waits for a request"
fi

if wait_for 60 dead "$TOOL"; then
	wait "$TOOL"; rc=$?
	check "fake hub: every scenario went as it should" [ $rc = 0 ]
else
	not_ok "fake hub: still running after a minute"
fi
sed 's/^/# fakehub: /' "$T_TMP/fakehub.out"
for s in second-login unasked early-peer node-message; do
	check "$s: hamd did what the protocol says" \
	    grep -q "^$s: ok$" "$T_TMP/fakehub.out"
done
L="$T_TMP/n/hamd.log"
check "second-login: closed, and said why" \
    grep -q 'hub: hub sent a second login answer; closing the connection' "$L"
check "second-login: the second address was never taken" \
    sh -c "! grep -q 'logged in to the hub: 100.64.0.99' '$L'"
check "second-login: ham0 has no 100.64.0.99" \
    sh -c "! ip -n '$N' -4 addr show dev ham0 | grep -q 100.64.0.99"
check "the first address is on ham0" \
    sh -c "ip -n '$N' -4 addr show dev ham0 | grep -q 100.64.0.5/10"
check "unasked: no request's result was recorded" \
    sh -c "! grep -q 'audit: event=hub-request' '$L'"
check "early-peer: closed, and said why" \
    grep -q 'hub: hub sent a message before answering the login; closing' "$L"
peers=$(hamctl_in "$T_TMP/n" -j peers)
check "early-peer: no peer was added" contains "$peers" '"peers":\[\]'
check "no peer was ever added" sh -c "! grep -q 'audit: event=peer-added' '$L'"
check "node-message: closed, and said why" \
    grep -q 'hub: hub sent a message only nodes send; closing' "$L"
check "hamd still runs" alive "$HAMD_PID"
check "hamd logged no fatal error" sh -c "! grep -qi 'fatal' '$L'"
stop_hamd "$HAMD_PID"
check "hamd stops cleanly" dead "$HAMD_PID"
finish
