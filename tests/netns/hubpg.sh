#!/bin/sh
# The hub on PostgreSQL: a PostgreSQL 15 of the test's own runs as
# nobody inside the hub's namespace, on its loopback only (and a socket
# in the test's directory for psql); hamhubd reaches it by name
# (localhost, resolved by the parent) with a password from a file, from
# the authority's chroot and seccomp filter.  A node logs in, creates a
# network, another joins and they ping; the rows are in PostgreSQL and
# no SQLite file was made; the hub restarts and everything is still
# there: networks, members, addresses.  The password is in no log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
pg_require
mktmp

S=hpg-sw-$$
H=hpg-h-$$
bridge_add "$S"
netns_add "$H"
bridge_join "$H" 10.78.0.1/24
for i in 1 2; do
	netns_add "hpg-n$i-$$"
	bridge_join "hpg-n$i-$$" "10.78.0.1$i/24"
done
ns() { echo "hpg-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }

if ! pg_start "$H" localhost 127.0.0.1/32 ::1/128; then
	not_ok "PostgreSQL starts"; finish; exit
fi
ok "PostgreSQL starts on loopback in the hub's namespace"
PW=$PG_PW

mkdir -p "$T_TMP/hub"
write_hub_conf "$T_TMP/hub" 'listen on 10.78.0.1 port 7777' \
    "database postgresql \"host=localhost port=5432 dbname=hamd user=hub\" password-file \"$PG_PWFILE\""
check "the configuration is accepted" "$HAMHUBD" -n -f "$T_TMP/hub/hamhubd.conf"
start_hub "$H" "$T_TMP/hub"
if ! wait_for 15 hub_ready "$T_TMP/hub"; then
	cat "$T_TMP/hub/hub.log" "$PG/server.log"
	not_ok "hub starts on PostgreSQL"; finish; exit
fi
ok "hub starts on PostgreSQL"
check "the hub says which database" grep -q "database: postgresql" "$T_TMP/hub/hub.log"
check "the schema is migrated" test "$(DB=hamd psql_pg 'SELECT version FROM schema_version')" -ge 1
HUBKEY=$(hubctl "$T_TMP/hub" hub key)

start_node() {	# start_node N
	mkdir -p "$(dir "$1")"
	write_conf "$(dir "$1")" "hub \"10.78.0.1:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"node$1\""
	start_hamd "$(ns "$1")" "$(dir "$1")"
}
for i in 1 2; do start_node "$i"; done
for i in 1 2; do
	check "node $i logs in" wait_for 15 node_online "$(dir "$i")"
done
V4_1=$(overlay_v4 "$(ns 1)"); V4_2=$(overlay_v4 "$(ns 2)")
log "node 1: $V4_1, node 2: $V4_2"
check "nodes have distinct addresses" test -n "$V4_1" -a -n "$V4_2" -a "$V4_1" != "$V4_2"

check "node 1 creates a network" sh -c "printf 'pgpassword1\n' |
    '$HAMCTL' -s '$(dir 1)/hamd.sock' create pgnet"
check "node 2 joins it" sh -c "printf 'pgpassword1\n' |
    '$HAMCTL' -s '$(dir 2)/hamd.sock' join pgnet"
check "node 2 reaches node 1" wait_for 10 pings "$(ns 2)" "$V4_1"
check "node 1 reaches node 2" wait_for 10 pings "$(ns 1)" "$V4_2"
check "the network is a row in PostgreSQL" \
    test "$(DB=hamd psql_pg "SELECT count(*) FROM nets WHERE name = 'PGNET'")" = 1
check "both members are rows in PostgreSQL" \
    test "$(DB=hamd psql_pg 'SELECT count(*) FROM members')" = 2
check "no SQLite file was made" test ! -e "$T_TMP/hub/state/authority/data/hub.db"

# --- the hub restarts: the state is the database's --------------------------
kill -TERM "$HUB_PID"
check "the hub stops" wait_for 10 dead "$HUB_PID"
start_hub "$H" "$T_TMP/hub"
check "the hub starts again" wait_for 15 hub_ready "$T_TMP/hub"
for i in 1 2; do
	check "node $i logs in again" wait_for 30 node_online "$(dir "$i")"
done
check "node 1 keeps its address" test "$(overlay_v4 "$(ns 1)")" = "$V4_1"
check "node 2 keeps its address" test "$(overlay_v4 "$(ns 2)")" = "$V4_2"
check "the network survived" sh -c "'$HAMCTL' -s '$T_TMP/hub/hub.sock' hub networks | grep -q pgnet"
check "its members survived" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' members pgnet | grep -q node2"
check "node 2 reaches node 1 after the restart" wait_for 15 pings "$(ns 2)" "$V4_1"
check "the password is in no log" sh -c "! grep -q -e '$PW' '$T_TMP/hub/hub.log' '$(dir 1)/hamd.log' '$(dir 2)/hamd.log'"
check "the authority was never killed by its filter" sh -c "! grep -qi -e seccomp -e 'authority.*signal' '$T_TMP/hub/hub.log'"
finish
