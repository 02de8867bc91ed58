#!/bin/sh
# The hub at scale, for correctness (bench/hubscale.sh measures speed):
# 3,000 nodes of bench/hubload log in to a hub with two engines; 1,000
# of them form a network in which every member sees every other online;
# a leave reaches every member; the hub restarts and nothing is lost:
# every node comes back with its addresses, the network with its
# members, each member with its peers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loadlib.sh"
LOAD_NICE=10
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
[ -x "$HUBLOAD" ] || skip "bench/hubload not built"
command -v python3 >/dev/null || skip "python3 is missing"
mktmp
load_net

N=3000		# nodes
M=1000		# members of the network: nodes 0 .. M-1, node 0 its owner
L=5		# the member that leaves
load_hub "$T_TMP/hub" "max-connections $((N + 1000))" "engines 2" ||
    exit 1
check "the hub runs two engines" \
    sh -c "'$HAMCTL' -s '$T_TMP/hub/hub.sock' hub status | grep -q engine2"

# The generator runs the whole story; the test restarts the hub when it
# asks, and reads what it found.
OUT=$T_TMP/hubload.out
hubload -n $N -i 20 \
    "login 0 $N 128" \
    "create 0 big" \
    "invite 0 big 1 $M" \
    "join big 1 $M" \
    "expect-peers 0 $M $((M - 1)) 120" \
    "expect-peers $M $N 0 10" \
    "watch $L down" \
    "req $L leave big - 0" \
    "expect-seen 0 $M $((M - 1)) 30" \
    "expect-peers 0 $L $((M - 2)) 30" \
    "expect-peers $((L + 1)) $M $((M - 2)) 30" \
    "expect-peers $L $((L + 1)) 0 30" \
    "restart-wait 0 $N 180" \
    "expect-peers 0 $L $((M - 2)) 120" \
    "expect-peers $((L + 1)) $M $((M - 2)) 120" \
    "expect-peers $L $((L + 1)) 0 10" \
    "expect-peers $M $N 0 10" \
    "req 0 members big - 0" \
    >"$OUT" 2>&1 &
GEN=$!
track_pid "$GEN"

restart_asked() { grep -q "^hubload: restart the hub now" "$OUT"; }
check "the generator gets to the restart" wait_for 600 restart_asked
kill "$HUB_PID"
check "the hub stops" wait_for 20 dead "$HUB_PID"
start_hub "$LH" "$T_TMP/hub"
check "the hub starts again" wait_for 20 hub_ready "$T_TMP/hub"
wait "$GEN"
rc=$?
sed 's/^/# /' "$OUT"

line() { grep -q -- "$1" "$OUT"; }
check "all $N nodes log in" line "^login 0-$N: $N ok"
check "every member sees the $((M - 1)) others" \
    line "^expect-peers 0-$M: all $M see $((M - 1)) peers"
check "the others see nobody" line "^expect-peers $M-$N: all $((N - M)) see 0 peers"
check "the leave reaches every other member" \
    line "^expect-seen 0-$M: $((M - 1)) heard"
check "every node is back after the restart" \
    line "^restart-wait: $N nodes back online"
check "with the addresses it had" sh -c "! grep -q 'got another address' '$OUT'"
check "the members see each other again" \
    line "^expect-peers $((L + 1))-$M: all $((M - L - 1)) see $((M - 2)) peers"
check "the one that left sees nobody" \
    line "^expect-peers $L-$((L + 1)): all 1 see 0 peers"
check "the network kept its members" line "^req members big: 0 members of big listed"
check "the generator found nothing wrong" test "$rc" = 0
total=$(hubctl "$T_TMP/hub" -j hub status | python3 -c '
import json, sys
print(json.load(sys.stdin)["nodes"])')
check "the hub knows the $N nodes, none twice ($total)" test "$total" = "$N"
finish
