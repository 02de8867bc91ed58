#!/bin/sh
# What hamctl hub nodes costs with many nodes online: bench/hubload logs N
# nodes in to a fresh hamhubd and keeps them online while hamctl hub nodes
# runs a few times; for each listing, its wall time and rows, and the CPU
# time the authority and each engine spent meanwhile (/proc/PID/schedstat).
# The engines answer the authority's traffic questions a page of at most
# 256 connections at a time (PROTOCOL.md, "What the hub carries for each
# node"): an engine's CPU for a listing divided by its pages is the longest
# it is kept from its sockets by it.
#
# A benchmark, not a test: it prints numbers and never judges them.  Two
# namespaces it creates (tests/netns/loadlib.sh).
#
# Usage: bench/hubnodes.sh [-e ENGINES] [N]     (default: 2 engines, 20000)
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$BENCH_DIR/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
T_NAME=hubnodes
. "$top_srcdir/tests/netns/lib.sh"
. "$top_srcdir/tests/netns/loadlib.sh"
require_root
[ -x "$HUBLOAD" ] || skip "bench/hubload is not built: make"
ENGINES=2
while getopts e: o; do
	case $o in
	e) ENGINES=$OPTARG ;;
	*) echo "usage: bench/hubnodes.sh [-e ENGINES] [N]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
N=${1:-20000}
cpu_us() { awk '{ print int($1 / 1000) }' "/proc/$1/schedstat"; }
# cpu_mark: note the CPU time of each of $pids; cpu_since: each one's
# since then, ms, "a / b / ..."
cpu_mark() {
	mark=""
	for p in $pids; do mark="$mark $(cpu_us "$p")"; done
}
cpu_since() {
	_out=""
	set -- $mark
	for p in $pids; do
		_d=$(( $(cpu_us "$p") - $1 ))
		_out="$_out / $((_d / 1000)).$((_d % 1000 / 100))"
		shift
	done
	echo "${_out# / }"
}
mktmp
load_net
echo "# $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
d="$T_TMP/hub"
load_hub "$d" "max-connections $((N + 1000))" "engines $ENGINES" || exit 1
GO="$T_TMP/done"
hubload -n "$N" -w $((N / 20000 + 1)) -i 30 "login 0 $N" "wait-file $GO 900" >"$T_TMP/load.log" 2>&1 &
LOADER=$!
track_pid "$LOADER"
online() {
	[ "$(hubctl "$d" -j hub status | python3 -c '
import json, sys
print(json.load(sys.stdin)["online"])')" -ge "$N" ]
}
# hubload waits for the word once its logins are in, or says what went wrong.
settled() { online || grep -q 'WRONG' "$T_TMP/load.log"; }
wait_for 900 settled
online || { echo "only some nodes came online"; cat "$T_TMP/load.log"; exit 1; }
echo "# N = $N online, $ENGINES engines: $LOAD_PROCS"
pids=$(echo "$LOAD_PROCS" | tr ' ' '\n' | sed -n 's/^\(authority\|engine[0-9]*\)=//p')
names=$(echo "$LOAD_PROCS" | tr ' ' '\n' | sed -n 's/^\(authority\|engine[0-9]*\)=.*/\1/p')
echo "| listing | rows | wall ms | CPU ms: $(echo $names | sed 's/ / \/ /g') |"
for k in 1 2 3; do
	cpu_mark
	t0=$(now_ms)
	rows=$(hubctl "$d" -j hub nodes | python3 -c '
import json, sys
print(len(json.load(sys.stdin)["nodes"]))')
	t1=$(now_ms)
	echo "| $k | $rows | $((t1 - t0)) | $(cpu_since) |"
done
# The same wall time without a listing: what the nodes' own pings cost.
at_ms() { [ "$(now_ms)" -ge "$1" ]; }
wall=$((t1 - t0))
cpu_mark
t0=$(now_ms)
wait_for 10 at_ms $((t0 + wall))
echo "| none (idle) | - | $(( $(now_ms) - t0 )) | $(cpu_since) |"
pages=$(( (N + 255) / 256 ))
echo "# pages asked per listing: about $pages over $ENGINES engines"
touch "$GO"
wait "$LOADER" 2>/dev/null
