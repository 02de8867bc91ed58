#!/bin/sh
# Login throughput of a hub cluster (issue 16): bench/hubload against
# one hub on PostgreSQL, then against two hubs of one cluster on the
# same database, each generator half the nodes, in the same run.  Prints
# logins/s for new nodes (each one's first login: a commit each) and for
# returning ones, and the ratio two hubs : one.  Everything runs on this
# machine (the hubs, PostgreSQL and the generators share its CPUs), so
# the ratio says what a second hub buys here, not on two machines.
#
# A benchmark, not a test: it prints numbers and never judges them.
# Usage: bench/hubcluster.sh [N]     (default: 2000 nodes)
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$BENCH_DIR/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
T_NAME=hubclusterbench
. "$top_srcdir/tests/netns/lib.sh"
. "$top_srcdir/tests/netns/loadlib.sh"
. "$top_srcdir/tests/netns/pglib.sh"
require_root
pg_require
[ -x "$HUBLOAD" ] || skip "bench/hubload is not built: make"
N=${1:-2000}
H=$((N / 2))
mktmp
load_net
pg_start "$LH" "$LOAD_HUB" "$LOAD_HUB/32" || exit 1
echo "# $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
db() { echo "database postgresql \"host=$LOAD_HUB port=5432 dbname=$1 user=hub\" password-file \"$PG_PWFILE\""; }
# hub DIR PORT DB: a hub of the cluster on DB in LH, port PORT
hub() {
	mkdir -p "$1"
	write_hub_conf "$1" "listen on $LOAD_HUB port $2" "$(db "$3")" \
	    "private-key \"$T_TMP/key-$3\"" "max-connections $((N + 1000))"
	ip netns exec "$LH" "$HAMHUBD" -d -f "$1/hamhubd.conf" \
	    >>"$1/hub.log" 2>&1 &
	HUB_PID=$!
	track_pid $!
	wait_for 20 hub_ready "$1" || { echo "the hub did not start"; exit 1; }
}
# gen PORT SEED STEPS...: one generator against the hub on PORT, its
# nodes from addresses of their own (10.200.SEED.1 on)
gen() {
	port=$1 seed=$2; shift 2
	ip netns exec "$LG" "$HUBLOAD" -c "$LOAD_HUB:$port" -k "$KEY" \
	    -s "10.200.$((seed * 64)).1/16000" -S "$seed" -n "$H" "$@"
}
rate() { sed -n "s/^$1 .* \([0-9]*\)\/s,.*/\1/p"; }

# One hub, every node through it (two generators, as below).
psql_pg "CREATE DATABASE one OWNER hub"
DB=one psql_pg "CREATE EXTENSION citext"
hub "$T_TMP/one" 7777 one
KEY=$(hubctl "$T_TMP/one" hub key)
gen 7777 1 "login 0 $H" "logout 0 $H" "login 0 $H" >"$T_TMP/one1.out" 2>&1 &
G1=$!
gen 7777 2 "login 0 $H" "logout 0 $H" "login 0 $H" >"$T_TMP/one2.out" 2>&1 &
wait $G1 $!
kill "$HUB_PID"
wait_for 10 dead "$HUB_PID"
# Two hubs of one cluster, a generator each.
psql_pg "CREATE DATABASE two OWNER hub"
DB=two psql_pg "CREATE EXTENSION citext"
cp "$T_TMP/key-one" "$T_TMP/key-two"
hub "$T_TMP/two-a" 7777 two
hub "$T_TMP/two-b" 7787 two
gen 7777 1 "login 0 $H" "logout 0 $H" "login 0 $H" >"$T_TMP/two1.out" 2>&1 &
G1=$!
gen 7787 2 "login 0 $H" "logout 0 $H" "login 0 $H" >"$T_TMP/two2.out" 2>&1 &
wait $G1 $!
# sum WHICH FIRST|LAST FILES...: logins/s of the first or last login step
sum() {
	w=$1; shift
	t=0
	for f in "$@"; do
		r=$(rate login <"$f" | if [ "$w" = first ]; then head -n 1; else tail -n 1; fi)
		t=$((t + ${r:-0}))
	done
	echo $t
}
for f in one1 one2 two1 two2; do sed "s/^/# $f: /" "$T_TMP/$f.out"; done
n1=$(sum first "$T_TMP/one1.out" "$T_TMP/one2.out")
n2=$(sum first "$T_TMP/two1.out" "$T_TMP/two2.out")
r1=$(sum last "$T_TMP/one1.out" "$T_TMP/one2.out")
r2=$(sum last "$T_TMP/two1.out" "$T_TMP/two2.out")
echo "new nodes, logins/s:       one hub $n1, two hubs $n2 ($(echo "scale=2; $n2 / $n1" | bc)x)"
echo "returning nodes, logins/s: one hub $r1, two hubs $r2 ($(echo "scale=2; $r2 / $r1" | bc)x)"
