#!/bin/sh
# The hub: one hamhubd and four hamd nodes on one bridge.  Networks are
# created and joined through hamctl on the nodes; every member reaches
# every other by its virtual address (IPv4 and IPv6); hub-and-spoke
# networks connect spokes only to the hub members; a wrong password is
# refused; an eviction cuts a node off within a second and for good;
# restarts of the hub and of a node keep networks, members, addresses
# and bans.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/meshlib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp

NODES="1 2 3 4"
mesh_net hub 10.77.0 $NODES
mesh_hub
log "hub key $HUBKEY"
for i in $NODES; do mesh_node "$i"; done
mesh_online $NODES
mesh_addrs $NODES
for i in $NODES; do
	log "node $i: $(v4 "$i") $(v6 "$i")"
done
check "addresses come from 100.64.0.0/10" \
    contains "$V4_1 $V4_2 $V4_3 $V4_4" '^100\.6[4-9]\.'
check "every node has an IPv6 ULA address" \
    contains "$V6_1 $V6_2 $V6_3 $V6_4" '^fd[0-9a-f:]* fd[0-9a-f:]* fd[0-9a-f:]* fd'
check "addresses differ" test "$(printf '%s\n' "$V4_1" "$V4_2" "$V4_3" "$V4_4" |
    sort -u | wc -l)" = 4
check "only the overlay (and the limited broadcast) is routed through ham0" \
    test "$(ip -n "$(ns 1)" -4 route show dev ham0 |
    grep -v '^255\.255\.255\.255 ' | wc -l)" = 1

check "status shows where the hub sees the node from" \
    sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' status | grep -q 'seen from:  10.77.0.11:'"

# A node whose LAN already uses part of the pool: told, not broken.
mesh_node_ns 5
ip -n "$(ns 5)" route add 100.64.0.0/16 dev eth0
mesh_node 5
check "node 5 logs in despite the collision" wait_for 15 node_online "$(dir 5)"
check "the colliding overlay prefix is reported" \
    sh -c "'$HAMCTL' -s '$(dir 5)/hamd.sock' status | grep -q 'warning: *overlay 100.64.0.0/10 overlaps route 100.64.0.0/16 via eth0'"
check "the colliding IPv4 address is not set" test -z "$(overlay_v4 "$(ns 5)")"
check "the IPv6 overlay is set" test -n "$(overlay_v6 "$(ns 5)")"
check "the collision is audited" grep -q "audit: event=overlay-conflict prefix=100.64.0.0/10" "$(dir 5)/hamd.log"
stop_hamd "$PID5"

pw() { printf '%s\n' "$1"; }
v4() { eval "echo \$V4_$1"; }
v6() { eval "echo \$V6_$1"; }
reach() { pings "$(ns "$1")" "$(v4 "$2")"; }
reach6() { pings "$(ns "$1")" "$(v6 "$2")"; }
no_reach() { ! pings "$(ns "$1")" "$(v4 "$2")" -W 1; }

# --- hub-and-spoke --------------------------------------------------------
check "create a hub-and-spoke network" \
    sh -c "printf 'spokepass1\n' | '$HAMCTL' -s '$(dir 1)/hamd.sock' create spokes hub-and-spoke"
for i in 2 3; do
	check "node $i joins spokes" sh -c "printf 'spokepass1\n' |
	    '$HAMCTL' -s '$(dir "$i")/hamd.sock' join spokes"
done
check "spoke 2 reaches the hub member" wait_for 10 reach 2 1
check "spoke 3 reaches the hub member" wait_for 10 reach 3 1
check "hub member reaches spoke 2" wait_for 10 reach 1 2
check "spoke 2 does not reach spoke 3" no_reach 2 3
check "spoke 3 does not reach spoke 2" no_reach 3 2
check "the owner deletes spokes" ctl 1 delete spokes
check "spokes are cut off after the delete" wait_for 3 no_reach 2 1

# --- a mesh, joined automatically and by approval ---------------------------
check "wrong password for an unknown network is refused" \
    sh -c "! printf 'whatever12\n' | '$HAMCTL' -s '$(dir 2)/hamd.sock' join nosuchnet"
check "create lan (automatic joins)" \
    sh -c "printf 'lanpassword\n' | '$HAMCTL' -s '$(dir 1)/hamd.sock' create lan"
OUT=$(printf 'wrongpassword\n' | ctl 2 join lan 2>&1)
check "wrong password is refused" test $? -ne 0
check "wrong password and unknown network say the same" \
    test "$OUT" = "$(printf 'whatever12\n' | ctl 2 join nosuchnet2 2>&1)"
check "the refusal names no password" sh -c "! grep -q -e wrongpassword -e lanpassword '$T_TMP/hub/hub.log' '$(dir 2)/hamd.log'"
for i in 2 3; do
	check "node $i joins lan" sh -c "printf 'lanpassword\n' |
	    '$HAMCTL' -s '$(dir "$i")/hamd.sock' join lan"
done
check "switch lan to approval" ctl 1 set lan mode approval
check "node 4 asks to join" sh -c "printf 'lanpassword\n' |
    '$HAMCTL' -s '$(dir 4)/hamd.sock' join lan | grep -q approval"
check "node 4 is pending" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' members lan | grep node4 | grep -q pending"
check "a pending node reaches nobody" no_reach 4 1
K4=$(pubkey_of "$(dir 4)")
check "the owner approves node 4" ctl 1 approve lan "$K4"
for src in $NODES; do
	for dst in $NODES; do
		[ "$src" = "$dst" ] && continue
		check "node $src reaches node $dst (IPv4)" wait_for 10 reach "$src" "$dst"
		check "node $src reaches node $dst (IPv6)" wait_for 5 reach6 "$src" "$dst"
	done
done
check "members lists all four" \
    test "$(ctl 2 -j members lan | grep -o '"public_key"' | wc -l)" = 4
check "networks shows lan" sh -c "'$HAMCTL' -s '$(dir 3)/hamd.sock' networks | grep -q lan"
check "a plain member cannot evict" sh -c "! '$HAMCTL' -s '$(dir 2)/hamd.sock' evict lan '$K4'"

# --- eviction ----------------------------------------------------------------
peers_has() { hamctl_in "$(dir "$1")" peers | grep -q "$2"; }
check "node 2 has node 4 as a peer" peers_has 2 "$K4"
# Node 4 loses the hub (its connection aborted, reconnection blocked):
# peers check it, it answers, they keep it.  An eviction must still
# reach them although the hub no longer counts node 4 as their peer.
ip netns exec "$(ns 4)" nft -f - <<'NFT'
table inet hubtest { chain out { type filter hook output priority 0; tcp dport 7777 drop; } }
NFT
ip netns exec "$(ns 4)" ss -K dst 10.77.0.1 dport = 7777 >/dev/null 2>&1
check "node 2 checks node 4 after it lost the hub" \
    wait_for 5 grep -q "checking that peer node4 is alive" "$(dir 2)/hamd.log"
check "node 4 answers and node 2 keeps it" wait_for 5 reach 2 4
T0=$(now_ms)
check "the owner evicts node 4" ctl 1 evict lan "$K4"
gone() { for i in 1 2 3; do peers_has "$i" "$K4" && return 1; done; return 0; }
check "every peer drops node 4 within one second" wait_for 1 gone
log "eviction reached every peer in $(( $(now_ms) - T0 )) ms"
for i in 1 2 3; do
	check "node 4 no longer reaches node $i" no_reach 4 "$i"
	check "node $i no longer reaches node 4" no_reach "$i" 4
done
ip netns exec "$(ns 4)" nft delete table inet hubtest
check "node 4 logs in again" wait_for 20 node_online "$(dir 4)"
check "node 4 drops every peer once the hub lists none" wait_for 5 \
    sh -c "! '$HAMCTL' -s '$(dir 4)/hamd.sock' peers | grep -q public"
check "node 4 cannot rejoin with the password" \
    sh -c "! printf 'lanpassword\n' | '$HAMCTL' -s '$(dir 4)/hamd.sock' join lan"

# --- restarts ---------------------------------------------------------------
# A crash right after an acknowledged change loses nothing: kill the
# authority (which holds the database) the moment hamctl has its answer.
check "create net2 just before a crash" \
    sh -c "printf 'net2password\n' | '$HAMCTL' -s '$(dir 3)/hamd.sock' create net2"
AUTH_PID=$(hubctl "$T_TMP/hub" -j hub status |
    sed -n 's/.*"name":"authority","pid":\([0-9]*\).*/\1/p')
kill -KILL "$AUTH_PID"
check "the hub stops when its authority dies" wait_for 5 dead "$HUB_PID"
check "tunnels stay up without the hub" reach 1 2
start_hub "$H" "$T_TMP/hub"
check "hub restarts" wait_for 10 hub_ready "$T_TMP/hub"
for i in $NODES; do
	check "node $i logs in again" wait_for 15 node_online "$(dir "$i")"
done
check "lan survives the restart" sh -c "'$HAMCTL' -s '$T_TMP/hub/hub.sock' hub networks | grep -q lan"
check "the acknowledged net2 survives the crash" \
    sh -c "'$HAMCTL' -s '$T_TMP/hub/hub.sock' hub networks | grep -q net2"
check "addresses survive the restart" test "$(overlay_v4 "$(ns 1)")" = "$V4_1"
check "the ban survives the restart" \
    sh -c "! printf 'lanpassword\n' | '$HAMCTL' -s '$(dir 4)/hamd.sock' join lan"
check "members still reach each other" wait_for 10 reach 3 1
check "node 4 is still cut off" no_reach 4 1

K2=$(pubkey_of "$(dir 2)")
stop_hamd "$PID2"
check "node 2 stops" dead "$PID2"
check "node 2 logged out" grep -q "audit: event=logout node=$K2" "$T_TMP/hub/hub.log"
check "node 3 drops node 2 at once when it logs out" \
    wait_for 2 sh -c "! '$HAMCTL' -s '$(dir 3)/hamd.sock' peers | grep -q '$K2'"
mesh_node 2
check "node 2 logs in after a restart" wait_for 15 node_online "$(dir 2)"
check "node 2 keeps its address" test "$(overlay_v4 "$(ns 2)")" = "$V4_2"
check "node 2 reaches node 3 again" wait_for 10 reach 2 3

# --- presence: a lost connection is checked, a dead node removed -------------
K3=$(pubkey_of "$(dir 3)")
# Abort node 2's hub connection only: the hub loses it, node 2 lives on.
ip netns exec "$(ns 2)" ss -K dst 10.77.0.1 dport = 7777 >/dev/null 2>&1
check "node 3 is told to check node 2" \
    wait_for 5 grep -q "checking that peer node2 is alive" "$(dir 3)/hamd.log"
check "node 2 logs in again" wait_for 15 node_online "$(dir 2)"
check "node 3 keeps node 2, which answers" peers_has 3 "$K2"
check "node 3 still reaches node 2" wait_for 5 reach 3 2
kill -KILL "$PID3"
check "node 1 is told to check node 3" \
    wait_for 5 grep -q "checking that peer node3 is alive" "$(dir 1)/hamd.log"
check "node 1 removes node 3, which does not answer" \
    wait_for 25 sh -c "! '$HAMCTL' -s '$(dir 1)/hamd.sock' peers | grep -q '$K3'"

# --- audit ----------------------------------------------------------------
check "the node audits its requests with the caller's uid" \
    grep -q "audit: event=hub-request op=evict net=lan uid=0 result=0" "$(dir 1)/hamd.log"
# An administrator who is not root: nobody, through its group.
NOBODY=$(id -u nobody)
NOGROUP=$(id -gn nobody)
echo "admin-group \"$NOGROUP\"" >> "$(dir 1)/hamd.conf"
check "node 1 reloads with an admin group" \
    sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' reload >/dev/null"
setpriv --reuid=nobody --regid="$NOGROUP" --clear-groups \
    "$HAMCTL" -s "$(dir 1)/hamd.sock" set lan limit 50 >/dev/null 2>&1
check "... and audits its request with its own uid ($NOBODY), not root's" \
    grep -q "audit: event=hub-request op=set-limit net=lan uid=$NOBODY " "$(dir 1)/hamd.log"
for e in login join approve evict network-create; do
	check "hub audits $e" grep -q "audit: event=$e " "$T_TMP/hub/hub.log"
done
finish
