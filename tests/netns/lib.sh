# Shared helpers for the integration tests.  Source it; it sets a trap
# that removes every namespace and process the test created, by recorded
# name and PID, even when the test fails.
#
# Only loopback and addresses inside the test's own namespaces are used.

set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
HAMD="$top_builddir/hamd"
HAMCTL="$top_builddir/hamctl"
T_NAME=$(basename "$0" .sh)
T_FAILS=0
T_CHECKS=0
T_PIDS=""
T_NETNS=""
T_TMP=""
T_UNHOOKED=""

skip() { echo "SKIP: $*"; exit 77; }
log() { echo "# $*"; }

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TUN, privilege drop)"
	ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"
}

cleanup() {
	rc=$?
	set +e
	for p in $T_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in $T_PIDS; do
		wait "$p" 2>/dev/null
	done
	for n in $T_NETNS; do
		# Processes still inside (children of a killed hamd) die here.
		for p in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns delete "$n" 2>/dev/null
	done
	# HAMD_TEST_KEEP=1 keeps the logs and state for a post-mortem.
	if [ -n "$T_TMP" ] && [ "${HAMD_TEST_KEEP:-0}" = 1 ]; then
		echo "# kept $T_TMP"
	elif [ -n "$T_TMP" ]; then
		rm -rf "$T_TMP"
	fi
	exit $rc
}
trap cleanup EXIT
# A reader that goes away (| head) must not leave namespaces behind.
trap 'exit 1' INT TERM HUP PIPE

# A private temporary directory: root-owned, 0755 so the chroot checks pass.
mktmp() {
	T_TMP=$(mktemp -d "/tmp/hamd-$T_NAME.XXXXXX")
	chmod 755 "$T_TMP"
}

# netns_add NAME: create a namespace whose name carries our PID.
netns_add() {
	ip netns add "$1" || { echo "cannot create netns $1"; exit 1; }
	T_NETNS="$T_NETNS $1"
	ip -n "$1" link set lo up
}

track_pid() { T_PIDS="$T_PIDS $1"; }

ok() {
	T_CHECKS=$((T_CHECKS + 1))
	echo "ok $T_CHECKS - $*"
}
not_ok() {
	T_CHECKS=$((T_CHECKS + 1))
	T_FAILS=$((T_FAILS + 1))
	echo "not ok $T_CHECKS - $*"
}
check() {	# check "description" command...
	_check_what=$1; shift
	if "$@"; then ok "$_check_what"; else not_ok "$_check_what"; fi
}

# wait_for SECONDS command...: poll every 50 ms until the command
# succeeds; 1 if the deadline passes first.
wait_for() {
	deadline=$1; shift
	end=$(( $(date +%s%N) / 1000000 + deadline * 1000 ))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $(( $(date +%s%N) / 1000000 )) -ge "$end" ] && return 1
		sleep 0.05
	done
}

# Milliseconds since the epoch.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
dead() { ! alive "$1"; }

# all_dead PID...: true when none of them exists any more
all_dead() {
	for p in "$@"; do alive "$p" && return 1; done
	return 0
}

# check_title PID TITLE: the process shows TITLE as its command line (ps,
# and /proc/PID/cmdline without padding) and its first 15 bytes, all
# the kernel keeps, as its name (/proc/PID/comm: top, ps -o comm).
check_title() {
	check "$2: ps -o args shows the title" [ "$(ps -o args= -p "$1")" = "$2" ]
	check "$2: /proc/PID/cmdline is the title alone" \
	    [ "$(tr '\0' '|' < "/proc/$1/cmdline")" = "$2|" ]
	check "$2: /proc/PID/comm is \"$(printf '%.15s' "$2")\"" \
	    [ "$(cat "/proc/$1/comm")" = "$(printf '%.15s' "$2")" ]
}

# ns_empty NS: no process is left in namespace NS
ns_empty() { [ -z "$(ip netns pids "$1")" ]; }

# log_since FILE LINE PATTERN: PATTERN is in FILE from line LINE on
log_since() { tail -n +"$2" "$1" | grep -q -- "$3"; }

# seccomp_kills PROG NS DIR LOG SOCKET WHO[:KIND]...: per argument, start
# PROG (hamd or hamhubd) in NS with DIR's configuration and the test
# hook that makes process WHO break its seccomp filter the way KIND
# says (privsep/sandbox.h).  The kernel must kill it: a child's death
# ends the daemon cleanly (logged, audited, exit status 1, socket
# removed); the parent's takes every child with it.
seccomp_kills() {
	_prog=$1 _ns=$2 _dir=$3 _log=$4 _sock=$5; shift 5
	for _v in "$@"; do
		_who=${_v%%:*}
		case $_v in *:*) _kind=${_v#*:} ;; *) _kind=ptrace ;; esac
		# What this start adds to the log, which earlier ones share.
		_from=$(( $(wc -l < "$_log") + 1 ))
		if [ "$_prog" = hamd ]; then
			start_hamd "$_ns" "$_dir" HAMD_TEST_FORBIDDEN_SYSCALL="$_v"
			_pid=$HAMD_PID
		else
			start_hub "$_ns" "$_dir" HAMD_TEST_FORBIDDEN_SYSCALL="$_v"
			_pid=$HUB_PID
		fi
		if ! wait_for 5 dead "$_pid"; then
			not_ok "$_v breaking seccomp: $_prog still running"
			continue
		fi
		wait "$_pid"; _rc=$?
		if [ "$_who" = parent ]; then
			check "parent, $_kind: the hook ran after the filter loaded" \
			    log_since "$_log" "$_from" "parent: test hook: $_kind against"
			# 128 + SIGSYS (31)
			check "parent, $_kind: $_prog killed by SIGSYS" [ $_rc = 159 ]
			check "parent, $_kind: every child ends with it" \
			    wait_for 2 ns_empty "$_ns"
			continue
		fi
		check "$_who, $_kind: $_prog exits with status 1" [ $_rc = 1 ]
		check "$_who, $_kind: killed by SIGSYS" \
		    log_since "$_log" "$_from" "$_who (pid [0-9]*) was killed by signal SIGSYS"
		check "$_who, $_kind: clean stop audited" \
		    log_since "$_log" "$_from" "audit: event=stop pid=$_pid reason=child-death"
		check "$_who, $_kind: socket removed" [ ! -e "$_sock" ]
		check "$_who, $_kind: nothing left in the namespace" \
		    wait_for 2 ns_empty "$_ns"
	done
}

# field FILE KEY: a line "KEY:\tvalue" of a /proc status file
status_field() { sed -n "s/^$2:[[:space:]]*//p" "$1"; }

# hooks WHAT: true when hamd was built with --enable-test-hooks.  If
# not, WHAT goes unchecked, and a test that passes everything else is
# reported as skipped with that reason, never as passed.
hooks() {
	[ "${HAMD_TEST_HOOKS:-no}" = yes ] && return 0
	log "not checked without the test hooks: $1"
	T_UNHOOKED="${T_UNHOOKED:+$T_UNHOOKED; }$1"
	return 1
}

finish() {
	echo "$((T_CHECKS - T_FAILS)) passed, $T_FAILS failed"
	[ "$T_FAILS" -eq 0 ] || return 1
	[ -z "$T_UNHOOKED" ] ||
	    skip "$T_UNHOOKED: needs ./configure --enable-test-hooks"
	[ "$T_CHECKS" -gt 0 ]
}

# --- hamd helpers ---------------------------------------------------------

# write_conf DIR [extra lines...]: a minimal hamd.conf in DIR whose state,
# chroot and socket live in DIR; children run as nobody (or $CONF_USER).
write_conf() {
	d=$1; shift
	{
		echo "user \"${CONF_USER:-nobody}\""
		echo "state-directory \"$d/state\""
		echo "chroot \"$d/state/empty\""
		echo "socket \"$d/hamd.sock\""
		for l in "$@"; do echo "$l"; done
	} > "$d/hamd.conf"
}

# start_hamd NS DIR [VAR=value...]: hamd -d in namespace NS with DIR's
# config, output in DIR/hamd.log; sets HAMD_PID.
# HAMD_TEST_VERBOSE=1 (with HAMD_TEST_KEEP=1, for a post-mortem): debug
# logging, each line stamped with the wall clock (ping -D's clock).
start_hamd() {
	ns=$1; d=$2; shift 2
	if [ "${HAMD_TEST_VERBOSE:-0}" = 1 ]; then
		rm -f "$d/hamd.fifo"
		mkfifo "$d/hamd.fifo"
		python3 -u -c 'import sys, time
for l in sys.stdin:
    sys.stdout.write("%.3f %s" % (time.time(), l))' \
		    <"$d/hamd.fifo" >>"$d/hamd.log" 2>&1 &
		track_pid $!
		ip netns exec "$ns" env "$@" "$HAMD" -d -v -f "$d/hamd.conf" \
		    >"$d/hamd.fifo" 2>&1 &
	else
		ip netns exec "$ns" env "$@" "$HAMD" -d -f "$d/hamd.conf" \
		    >>"$d/hamd.log" 2>&1 &
	fi
	HAMD_PID=$!
	track_pid "$HAMD_PID"
}

hamctl_in() {	# hamctl_in DIR args...
	d=$1; shift
	"$HAMCTL" -s "$d/hamd.sock" "$@"
}

# proc_pid DIR NAME: pid of a hamd process from 'hamctl -j status'
proc_pid() {
	hamctl_in "$1" -j status |
	    sed -n "s/.*\"name\":\"$2\",\"pid\":\([0-9]*\).*/\1/p"
}

hamd_ready() { hamctl_in "$1" status 2>/dev/null | grep -q 'public key: [A-Za-z0-9+/]'; }

# stop_hamd PID: SIGTERM and wait; 1 if it did not exit within 5 s
stop_hamd() {
	kill -TERM "$1" 2>/dev/null
	wait_for 5 dead "$1"
}

# contains TEXT PATTERN: grep for PATTERN in TEXT
contains() { printf '%s\n' "$1" | grep -q -- "$2"; }

# --- two hosts on one link -----------------------------------------------

# link_pair NS1 NS2 ADDR1 ADDR2 [ADDR6_1 ADDR6_2]: a veth between two
# namespaces with the given outer addresses (with prefix length).
link_pair() {
	ip link add "v-$$-a" netns "$1" type veth peer name "v-$$-b" netns "$2" ||
	    { echo "cannot create veth"; exit 1; }
	ip -n "$1" link set "v-$$-a" name eth0
	ip -n "$2" link set "v-$$-b" name eth0
	ip -n "$1" addr add "$3" dev eth0
	ip -n "$2" addr add "$4" dev eth0
	if [ $# -ge 6 ]; then
		ip -n "$1" addr add "$5" dev eth0 nodad
		ip -n "$2" addr add "$6" dev eth0 nodad
	fi
	ip -n "$1" link set eth0 up
	ip -n "$2" link set eth0 up
}

# pings NS ADDR [ping options]: one answered ping, within 2 s
pings() {
	ns=$1; a=$2; shift 2
	ip netns exec "$ns" ping -n -q -c 1 -W 2 "$@" "$a" >/dev/null 2>&1
}

# pubkey_of DIR: the node key hamd created in DIR/state
pubkey_of() { "$HAMCTL" pubkey "$1/state/private.key"; }

# --- the hub ---------------------------------------------------------------

HAMHUBD="$top_builddir/hamhubd"

# bridge_add NS: a namespace holding a bridge br0 that hosts join.
bridge_add() {
	netns_add "$1"
	ip -n "$1" link add br0 type bridge
	ip -n "$1" link set br0 up
	T_BRIDGE=$1
	T_PORTS=0
}

# bridge_join NS ADDR [ADDR6]: connect NS to the bridge as eth0.
bridge_join() {
	T_PORTS=$((T_PORTS + 1))
	ip link add "b$$p$T_PORTS" netns "$T_BRIDGE" type veth \
	    peer name eth0 netns "$1" || { echo "cannot create veth"; exit 1; }
	ip -n "$T_BRIDGE" link set "b$$p$T_PORTS" master br0 up
	ip -n "$1" addr add "$2" dev eth0
	[ $# -ge 3 ] && ip -n "$1" addr add "$3" dev eth0 nodad
	ip -n "$1" link set eth0 up
}

# write_hub_conf DIR [extra lines...]: hamhubd.conf with everything in DIR.
write_hub_conf() {
	d=$1; shift
	{
		echo "user \"${CONF_USER:-nobody}\""
		echo "state-directory \"$d/state\""
		echo "chroot \"$d/state/empty\""
		echo "socket \"$d/hub.sock\""
		for l in "$@"; do echo "$l"; done
	} > "$d/hamhubd.conf"
}

# start_hub NS DIR [VAR=value...]: hamhubd -d in NS; sets HUB_PID.
start_hub() {
	ns=$1; d=$2; shift 2
	ip netns exec "$ns" env "$@" "$HAMHUBD" -d -f "$d/hamhubd.conf" \
	    >>"$d/hub.log" 2>&1 &
	HUB_PID=$!
	track_pid "$HUB_PID"
}

hubctl() {	# hubctl DIR args...: hamctl against the hub's socket
	d=$1; shift
	"$HAMCTL" -s "$d/hub.sock" "$@"
}

hub_ready() { hubctl "$1" hub key 2>/dev/null | grep -q '^[A-Za-z0-9+/]\{43\}=$'; }

# node_online DIR: hamd in DIR is logged in to its hub
node_online() { hamctl_in "$1" status 2>/dev/null | grep -q '^hub:.*online'; }

# overlay_v4 NS / overlay_v6 NS: the address the hub gave ham0
overlay_v4() {
	ip -n "$1" -4 -o addr show dev ham0 2>/dev/null |
	    sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1
}
overlay_v6() {
	ip -n "$1" -6 -o addr show dev ham0 scope global 2>/dev/null |
	    sed -n 's/.* inet6 \([0-9a-f:]*\)\/.*/\1/p' | head -n 1
}
