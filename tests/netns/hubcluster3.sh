#!/bin/sh
# Three hubs, one cluster (issue 16), six nodes spread over them (nodes
# 1 and 4 on hub 1, 2 and 5 on hub 2, 3 and 6 on hub 3: each lists its
# own hub first).  Presence crosses hubs through PostgreSQL's NOTIFY:
# every pair pings although no two of its ends may share a hub; a
# network created through hub 1 is joined through hub 3; a join through
# hub 1 reaches a peer on hub 3, a rename through hub 2 reaches a peer's
# name responder on hub 3, and an eviction through hub 2 cuts the
# evicted node (on hub 3) off everywhere within a second.  Then hub 1
# dies (SIGKILL) while its nodes ping: no ping is lost, both are logged
# in to another hub within 10 s, and the others' peers on hubs 2 and 3
# learn of the dead hub from its lease.  Last PostgreSQL stops for 30 s:
# no ping is lost, a join meanwhile is refused saying why, the hubs come
# back (hamctl hub status says so) and the database is consistent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
pg_require
mktmp

NET=10.79.0
PG_ADDR=$NET.5
bridge_add "hc3-sw-$$"
netns_add "hc3-db-$$"
bridge_join "hc3-db-$$" "$PG_ADDR/24"
hns() { echo "hc3-h$1-$$"; }
hdir() { echo "$T_TMP/hub$1"; }
ns() { echo "hc3-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }
home() { echo $(( ($1 - 1) % 3 + 1 )); }	# the hub node N lists first
for i in 1 2 3; do netns_add "$(hns $i)"; bridge_join "$(hns $i)" "$NET.$i/24"; done
for i in 1 2 3 4 5 6; do netns_add "$(ns $i)"; bridge_join "$(ns $i)" "$NET.1$i/24"; done

if ! pg_start "hc3-db-$$" "$PG_ADDR" "$NET.0/24"; then
	not_ok "PostgreSQL starts"; finish; exit
fi
ok "PostgreSQL starts in a namespace of its own"
for i in 1 2 3; do cluster_hub_conf "$(hdir $i)" "$NET.$i" "$T_TMP/cluster.key"; done
start_hub "$(hns 1)" "$(hdir 1)"
check "hub 1 starts and makes the cluster's key" wait_for 15 hub_ready "$(hdir 1)"
for i in 2 3; do
	start_hub "$(hns $i)" "$(hdir $i)"
	check "hub $i starts in the cluster" wait_for 15 hub_ready "$(hdir $i)"
done
HUBKEY=$(hubctl "$(hdir 1)" hub key)
three_hubs() { test "$(hubctl "$(hdir 1)" hub status | grep -c '^  hub .*alive')" = 3; }
check "hub status lists the three hubs of the cluster, alive" wait_for 5 three_hubs
check "hub status -j says the cluster connection is up" sh -c \
    "'$HAMCTL' -s '$(hdir 3)/hub.sock' -j hub status |
    grep -q '\"connected\": *true'"

for i in 1 2 3 4 5 6; do
	h=$(home $i)
	list="\"$NET.$h:7777\""
	for o in 1 2 3; do [ $o = $h ] || list="$list \"$NET.$o:7777\""; done
	mkdir -p "$(dir $i)"
	write_conf "$(dir $i)" "hub $list public-key \"$HUBKEY\"" \
	    "nickname \"node$i\""
	start_hamd "$(ns $i)" "$(dir $i)"
done
# on_hub N HUB: node N is logged in, to hub HUB
on_hub() {
	hamctl_in "$(dir "$1")" status 2>/dev/null |
	    grep -q "^hub: *$NET.$2 port 7777.*online"
}
all_home() { for i in 1 2 3 4 5 6; do on_hub $i "$(home $i)" || return 1; done; }
check "every node logs in to the hub it lists first" wait_for 20 all_home
ctl() { n=$1; shift; hamctl_in "$(dir "$n")" "$@"; }
join() { printf 'cluster3pw\n' | "$HAMCTL" -s "$(dir "$1")/hamd.sock" join c3; }
join_b() { printf 'cluster3pw\n' | "$HAMCTL" -s "$(dir "$1")/hamd.sock" join c3b; }
check "node 1 creates a network through hub 1" sh -c "printf 'cluster3pw\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create c3"
check "node 3 joins it through hub 3" join 3
for i in 2 5 6; do check "node $i joins it (hub $(home $i))" join $i; done
for i in 1 2 3 4 5 6; do eval "V4_$i=\$(overlay_v4 \"\$(ns $i)\")"; done
v4() { eval echo "\$V4_$1"; }
reach() { pings "$(ns "$1")" "$(v4 "$2")"; }
K() { pubkey_of "$(dir "$1")"; }
peers_has() { ctl "$1" peers | grep -q "$2"; }
# stream TAG N M INTERVAL: node N pings node M until stream_end TAG N
stream() {
	ip netns exec "$(ns $2)" ping -n -i "$4" -W 1 "$(v4 $3)" \
	    >"$T_TMP/$1$2.out" 2>&1 &
	eval "PING_$1$2=\$!"
	track_pid $!
}
# stream_end TAG N WHAT: stop it; every ping answered?  (The last one
# sent may still be on its way when ping stops: it is not counted.)
stream_end() {
	eval "kill -INT \$PING_$1$2; wait \$PING_$1$2" 2>/dev/null
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T_TMP/$1$2.out")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T_TMP/$1$2.out")
	missing=$(sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' "$T_TMP/$1$2.out" |
	    sort -n | awk -v n="${sent:-0}" '{ seen[$1] = 1 }
	    END { m = ""; for (i = 1; i < n; i++) if (!(i in seen)) m = m " " i;
	    print m }')
	log "node $2's pings through $3: $got of $sent answered${missing:+; lost:$missing}"
	check "node $2's tunnel carried on through $3 (no ping lost)" \
	    test -n "$sent" -a "${got:-0}" -ge $((sent - 1)) -a -z "$missing"
}

# A join through hub 1: its peer on hub 3 hears PEER_UP from hub 3.
K4=$(K 4)
T0=$(now_ms)
check "node 4 joins through hub 1" join 4
check "node 3 (hub 3) has node 4 (hub 1) as a peer within a second" \
    wait_for 1 peers_has 3 "$K4"
log "cross-hub presence: join on hub 1 -> peer on hub 3 in $(( $(now_ms) - T0 )) ms"
for x in 1 2 3 4 5 6; do
	for y in 1 2 3 4 5 6; do
		[ $x -lt $y ] || continue
		check "node $x (hub $(home $x)) reaches node $y (hub $(home $y))" \
		    wait_for 10 reach $x $y
	done
done

# Member names cross hubs too: node 3 (hub 3) resolves node 5 (hub 2),
# and node 5's new nickname at once.
name3() {	# name3 NAME: node 3's responder answers NAME with node 5's address
	[ "$(ip netns exec "$(ns 3)" dig +short +tries=1 +time=1 @"$V4_3" \
	    "$1.c3.hamd.internal" A 2>/dev/null)" = "$V4_5" ]
}
if command -v dig >/dev/null; then
	check "node 3 (hub 3) resolves node 5 (hub 2) by name" wait_for 10 name3 node5
	check "node 5 renames itself through hub 2" ctl 5 set nickname renamed5
	check "node 3 resolves its new name within a second" wait_for 1 name3 renamed5
else
	log "dig is missing (apt-get install bind9-dnsutils): names not checked"
fi

# --- an eviction through hub 2 -------------------------------------------
K6=$(K 6)
check "the owner (hub 1) makes node 2 an administrator" ctl 1 set c3 admin "$(K 2)" on
T0=$(now_ms)
check "node 2 evicts node 6 through hub 2" ctl 2 evict c3 "$K6"
gone6() { for i in 1 2 3 4 5; do peers_has $i "$K6" && return 1; done; return 0; }
check "every peer, on every hub, drops node 6 within one second" wait_for 1 gone6
log "cross-hub presence: eviction on hub 2 -> every peer in $(( $(now_ms) - T0 )) ms"
check "node 6 (hub 3) drops its peers" wait_for 1 sh -c \
    "! '$HAMCTL' -s '$(dir 6)/hamd.sock' peers | grep -q '$(K 1)'"
check "node 6 no longer reaches node 1" sh -c "! ip netns exec '$(ns 6)' \
    ping -n -q -c 1 -W 1 '$V4_1' >/dev/null 2>&1"

# --- hub 1 dies while its nodes ping --------------------------------------
stream fail 1 2 0.1
stream fail 4 3 0.1
wait_for 5 grep -q "bytes from" "$T_TMP/fail4.out"
H1=$(ip netns pids "$(hns 1)")
T0=$(now_ms)
kill -KILL $H1
check "every process of hub 1 is gone" wait_for 10 all_dead $H1
moved() { for i in 1 4; do on_hub $i 2 || on_hub $i 3 || return 1; done; }
check "nodes 1 and 4 are logged in to another hub within 10 s" wait_for 10 moved
log "failover: SIGKILL of hub 1 -> its nodes logged in elsewhere in $(( $(now_ms) - T0 )) ms"
check "hub 2 declares hub 1 gone when its lease runs out" wait_for 10 \
    grep -q "a hub's lease ran out" "$(hdir 2)/hub.log"
t=$(( $(now_ms) + 1000 )); at_ms() { [ "$(now_ms)" -ge "$1" ]; }
wait_for 3 at_ms "$t"
for i in 1 4; do stream_end fail $i "the failover"; done
check "node 1, now on another hub, still reaches node 5" wait_for 10 reach 1 5
check "node 3 still has node 4 as a peer after its move" peers_has 3 "$K4"
two_hubs() { test "$(DB=hamd psql_pg 'SELECT count(*) FROM hubs')" = 2; }
check "the database lists hub 1 no more" wait_for 10 two_hubs
check "hub 3's status shows hub 1 gone and the nodes online elsewhere" sh -c \
    "'$HAMCTL' -s '$(hdir 3)/hub.sock' hub status |
    grep -q '^cluster:.*connected; [1-9][0-9]* nodes online at other hubs'"

# --- PostgreSQL stops for 30 s -------------------------------------------
check "node 2 creates a second network before the outage" sh -c \
    "printf 'cluster3pw\n' | '$HAMCTL' -s '$(dir 2)/hamd.sock' create c3b"
stream pg 1 5 0.2
stream pg 3 2 0.2
wait_for 5 grep -q "bytes from" "$T_TMP/pg3.out"
pg_stop
T0=$(now_ms)
ok "PostgreSQL stops"
check "hub 2 says it lost the database" wait_for 10 \
    grep -q "cluster: database connection lost" "$(hdir 2)/hub.log"
check "hub 2's status says the cluster connection is down" sh -c \
    "'$HAMCTL' -s '$(hdir 2)/hub.sock' hub status | grep -q '^cluster:.*not connected'"
OUT=$(printf 'cluster3pw\n' | ctl 3 join c3b 2>&1)
check "a join during the outage fails" test $? -ne 0
log "the join during the outage was answered: $OUT"
check "its error says the database cannot be reached" \
    contains "$OUT" "database cannot be reached"
check "nodes stay logged in meanwhile" sh -c \
    "for i in 1 2 3 4 5 6; do '$HAMCTL' -s '$T_TMP/n'\$i/hamd.sock status |
    grep -q '^hub:.*online' || exit 1; done"
wait_for 40 at_ms $(( T0 + 30000 ))
check "PostgreSQL starts again after 30 s" pg_restart
T0=$(now_ms)
back() { for h in 2 3; do grep -q "cluster: database connection back" \
    "$(hdir $h)/hub.log" || return 1; done; }
check "hubs 2 and 3 are back in the cluster within 15 s" wait_for 15 back
log "the hubs reconnected $(( $(now_ms) - T0 )) ms after PostgreSQL returned"
for i in 1 3; do stream_end pg $i "the outage"; done
check "node 3 joins the second network once it is back" join_b 3
check "node 2 (hub 2) has node 3 (hub 3) as a peer" peers_has 2 "$(K 3)"
rows6() { test "$(DB=hamd psql_pg 'SELECT count(*) FROM hub_online o JOIN hubs h ON h.id = o.hub')" = 6; }
check "the database lists the six nodes online at live hubs" wait_for 10 rows6
for i in 1 3 4 5; do check "node $i reaches node 2" wait_for 10 reach $i 2; done
check "audit records say the outage and the return" sh -c \
    "grep -q 'event=cluster-lost' '$(hdir 2)/hub.log' &&
    grep -q 'event=cluster-back' '$(hdir 2)/hub.log'"
check "no hub process was killed by its filter" sh -c \
    "! grep -qi seccomp '$(hdir 1)/hub.log' '$(hdir 2)/hub.log' '$(hdir 3)/hub.log'"
finish
