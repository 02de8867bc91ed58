#!/bin/sh
# The hub at scale: bench/hubload against a fresh hamhubd for each node
# count, printing the table of issue 11 (logins/s, memory per online
# node, authority CPU per login against X25519, fan-out times).
#
# A benchmark, not a test: it prints numbers and never judges them; it
# exits non-zero only when it cannot run.  Two namespaces it creates
# (tests/netns/loadlib.sh): the hub's and the generator's, which sends
# from addresses of 10.200.0.0/16 (8 nodes each).
#
# Usage: bench/hubscale.sh [-e ENGINES] [N ...]     (default: 1000 10000)
# Environment: top_builddir and top_srcdir (default: the repository root).
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$BENCH_DIR/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
T_NAME=hubscale
. "$top_srcdir/tests/netns/lib.sh"
. "$top_srcdir/tests/netns/loadlib.sh"
require_root
[ -x "$HUBLOAD" ] || skip "bench/hubload is not built: make"
ENGINES=""
while getopts e: o; do
	case $o in
	e) ENGINES=$OPTARG ;;
	*) echo "usage: bench/hubscale.sh [-e ENGINES] [N ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] && set -- 1000 10000
# cpu_ms PID: the time a process has run on a CPU, ms
cpu_ms() { awk '{ print int($1 / 1000000) }' "/proc/$1/schedstat"; }
# nodes_known DIR: the nodes the hub in DIR stores
nodes_known() {
	hubctl "$1" -j hub status | python3 -c '
import json, sys
print(json.load(sys.stdin)["nodes"])'
}
mktmp
load_net
echo "# $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "$@"; do
	d="$T_TMP/hub-$n"
	load_hub "$d" "max-connections $((n + 1000))" \
	    ${ENGINES:+"engines $ENGINES"} || exit 1
	echo "# N = $n: hub pid $HUB_PID, $LOAD_PROCS"
	hubload -n $((n + 200)) -i 60 bench
	kill "$HUB_PID"
	wait "$HUB_PID" 2>/dev/null
	# Node expiry: the same database, every node now offline and in
	# no network, under node-expiry 5: how long until all are
	# forgotten, and what it cost the authority.
	load_hub "$d" "max-connections $((n + 1000))" ${ENGINES:+"engines $ENGINES"} \
	    "node-expiry 5" || exit 1
	apid=$(echo "$LOAD_PROCS" | tr ' ' '\n' | sed -n 's/^authority=//p')
	t0=$(now_ms)
	c0=$(cpu_ms "$apid")
	left=$(nodes_known "$d")
	echo "# node expiry: $left nodes stored"
	while [ "$(nodes_known "$d")" -gt 0 ] &&
	    [ $(( $(now_ms) - t0 )) -lt 1800000 ]; do
		sleep 1
	done
	echo "| node expiry (node-expiry 5 s): $left nodes forgotten | $(( ($(now_ms) - t0) / 1000 )) s, authority CPU $(( $(cpu_ms "$apid") - c0 )) ms; $(nodes_known "$d") left |"
	kill "$HUB_PID"
	wait "$HUB_PID" 2>/dev/null
done
