#!/bin/sh
# Two hubs, one cluster (issue 16): both serve the same hub key on one
# PostgreSQL database of the test's own (its own namespace, on the
# bridge).  Three nodes list both hubs in their hub line.  They log in
# to the first, make a network and ping; the first hub dies (SIGKILL,
# every process of it) and each node is logged in to the second within
# seconds, with its address, its network and its peers, while a ping
# stream between two of them runs on: the tunnels are not touched.  A
# change made through the second hub (a node leaves) reaches the others.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
pg_require
mktmp

NET=10.76.0
bridge_add "hcl-sw-$$"
netns_add "hcl-db-$$"
bridge_join "hcl-db-$$" "$NET.5/24"
hns() { echo "hcl-h$1-$$"; }
hdir() { echo "$T_TMP/hub$1"; }
ns() { echo "hcl-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }
for i in 1 2; do netns_add "$(hns $i)"; bridge_join "$(hns $i)" "$NET.$i/24"; done
for i in 1 2 3; do netns_add "$(ns $i)"; bridge_join "$(ns $i)" "$NET.1$i/24"; done

if ! pg_start "hcl-db-$$" "$NET.5" "$NET.0/24"; then
	not_ok "PostgreSQL starts"; finish; exit
fi
ok "PostgreSQL starts in a namespace of its own"

# Hub 1 makes the key; hub 2 is given the same file (private-key).
for i in 1 2; do
	mkdir -p "$(hdir $i)"
	write_hub_conf "$(hdir $i)" "listen on $NET.$i port 7777" \
	    "database postgresql \"host=$NET.5 port=5432 dbname=hamd user=hub\" password-file \"$PG_PWFILE\"" \
	    "private-key \"$T_TMP/cluster.key\""
done
start_hub "$(hns 1)" "$(hdir 1)"
check "hub 1 starts and makes the cluster's key" wait_for 15 hub_ready "$(hdir 1)"
start_hub "$(hns 2)" "$(hdir 2)"
check "hub 2 starts with the same key and database" wait_for 15 hub_ready "$(hdir 2)"
HUBKEY=$(hubctl "$(hdir 1)" hub key)
check "both hubs serve one key" test "$(hubctl "$(hdir 2)" hub key)" = "$HUBKEY"

for i in 1 2 3; do
	mkdir -p "$(dir $i)"
	write_conf "$(dir $i)" \
	    "hub \"$NET.1:7777\" \"$NET.2:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"node$i\""
	start_hamd "$(ns $i)" "$(dir $i)"
done
# on_hub N HUB: node N is logged in, to hub HUB (its status names it)
on_hub() {
	hamctl_in "$(dir "$1")" status 2>/dev/null |
	    grep -q "^hub: *$NET.$2 port 7777.*online"
}
all_on() { for i in 1 2 3; do on_hub $i "$1" || return 1; done; }
check "every node logs in to hub 1, the first listed" wait_for 20 all_on 1
check "node 1 creates a network" sh -c "printf 'clusterpw1\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create cluster"
for i in 2 3; do
	check "node $i joins it" sh -c "printf 'clusterpw1\n' |
	    '$HAMCTL' -s '$(dir $i)/hamd.sock' join cluster"
done
V4_1=$(overlay_v4 "$(ns 1)")
V4_2=$(overlay_v4 "$(ns 2)")
V4_3=$(overlay_v4 "$(ns 3)")
check "node 2 reaches node 1" wait_for 10 pings "$(ns 2)" "$V4_1"
check "node 3 reaches node 2" wait_for 10 pings "$(ns 3)" "$V4_2"

# --- hub 1 dies --------------------------------------------------------
ip netns exec "$(ns 2)" ping -n -i 0.1 -W 1 "$V4_1" >"$T_TMP/ping.out" 2>&1 &
PING=$!
track_pid "$PING"
wait_for 5 grep -q "bytes from" "$T_TMP/ping.out"
H1=$(ip netns pids "$(hns 1)")
T0=$(now_ms)
kill -KILL $H1
check "every process of hub 1 is gone" wait_for 10 all_dead $H1
check "every node is logged in to hub 2 within 15 s" wait_for 15 all_on 2
log "the nodes moved to hub 2 in $(( $(now_ms) - T0 )) ms"
check "node 1 keeps its address" test "$(overlay_v4 "$(ns 1)")" = "$V4_1"
check "node 3 keeps its address" test "$(overlay_v4 "$(ns 3)")" = "$V4_3"
check "hub 2 lists the network's members online" wait_for 10 sh -c \
    "test \$('$HAMCTL' -s '$(dir 1)/hamd.sock' -j members cluster |
    grep -o '\"online\": *true' | wc -l) = 3"
# A second of pings after the move, then the count.
t=$(( $(now_ms) + 1000 )); at_ms() { [ "$(now_ms)" -ge "$1" ]; }
wait_for 3 at_ms "$t"
kill -INT "$PING"; wait "$PING" 2>/dev/null
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T_TMP/ping.out")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T_TMP/ping.out")
log "ping node 2 -> node 1 through the failover: $got of $sent answered"
check "the tunnel carried on through the failover (no ping lost)" \
    test -n "$sent" -a "${got:-0}" = "$sent"

# --- the cluster goes on from hub 2 ------------------------------------
check "node 3 leaves the network through hub 2" \
    hamctl_in "$(dir 3)" leave cluster
gone3() { ! hamctl_in "$(dir 1)" peers | grep -q node3; }
check "node 1 drops node 3" wait_for 5 gone3
check "nodes 1 and 2 still reach each other" wait_for 10 pings "$(ns 1)" "$V4_2"
check "hub 2 took the change into the shared database" \
    test "$(DB=hamd psql_pg 'SELECT count(*) FROM members')" = 2
check "no hub process was killed by its filter" sh -c \
    "! grep -qi seccomp '$(hdir 1)/hub.log' '$(hdir 2)/hub.log'"
finish
