#!/usr/bin/env bash
# Throughput benchmark: hamd against the reference userspace WireGuard
# (upstream wireguard-go 0.0.20250522, ../shared/anchors/wireguard-go),
# between two network namespaces joined by one veth, on the same machine
# in the same run.  Every tunnel is up at once, each on its own port and
# inner subnet, and the runs are interleaved (every repetition runs every
# setup once per column, in an order that rotates), so a machine that gets
# busier or quieter during the run moves all setups alike.
#
# Columns: iperf3 TCP A->B and B->A (-R), with 1 and with 4 streams.  For
# each run: Mbit/s as the receiver counted it, and the CPU time of the
# tunnel's own processes on both ends (utime + stime of every thread,
# from /proc) per gigabyte moved.  Ping through the tunnel: idle, and
# during the A->B single-stream run (under load).
#
# A benchmark, not a test: it reports numbers and never judges them.  It
# exits non-zero only when it cannot run at all.
#
# Only addresses inside the two namespaces it creates are used
# (192.168.242.0/24 on the veth, 10.242.N.0/24 inside the tunnels).  An
# EXIT trap removes every namespace, process (by recorded PID) and
# wireguard-go UAPI socket it made, also after a failure or Ctrl-C.
#
# Usage: bench/throughput.sh [-t SECONDS] [-r REPETITIONS] [-s SETUPS]
#                            [-b LABEL=BUILDDIR]... [-o FILE.json] [-k]
# Environment: top_builddir (where hamd and hamctl are; default the repo
# root), WG_REFERENCE (the reference wireguard-go binary).

set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$(cd "$BENCH_DIR/.." && pwd)}"
HAMD="$top_builddir/hamd"
HAMCTL="$top_builddir/hamctl"

SECS=5
REPS=5
SETUPS="reference hamd debian fastd"
OUT="$BENCH_DIR/results-$(date +%Y%m%d-%H%M%S).json"
KEEP=0
MTU=1420		# wireguard-go's and hamd's default; used everywhere

NS_A="hamd-bench-$$-a"
NS_B="hamd-bench-$$-b"
OUTER_A=192.168.242.1
OUTER_B=192.168.242.2
UAPI_DIR=/var/run/wireguard

PIDS=""
NETNS=""
SOCKS=""
TMP=""
MADE_UAPI_DIR=0
CLIENT_PID=""

usage() {
	cat <<EOF
usage: $0 [-t SECONDS] [-r REPETITIONS] [-s SETUPS] [-b LABEL=DIR]...
       [-o FILE.json] [-k]
  -t  length of each iperf3 run in seconds (default 5)
  -r  repetitions of every column and setup (default 5)
  -s  setups, from: reference hamd debian fastd (default all; "debian"
      is Debian's older wireguard-go, "fastd" Debian's fastd with
      salsa2012+umac; each is skipped when it is not installed)
  -b  one more setup, LABEL: hamd (and hamctl) built in DIR, say from an
      older commit, so that the steps of a change are measured in the
      same run (repeatable)
  -o  where to write the JSON results (default bench/results-DATE.json)
  -k  set everything up, print the processes, and wait for Enter
      (for perf and friends); nothing is measured
EOF
	exit 2
}

BUILDS=()
while getopts t:r:s:b:o:kh opt; do
	case $opt in
	b) case $OPTARG in
	   [a-z]*=/*) BUILDS+=("$OPTARG") ;;
	   *) usage ;;
	   esac ;;
	t) SECS=$OPTARG ;;
	r) REPS=$OPTARG ;;
	s) SETUPS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	k) KEEP=1 ;;
	*) usage ;;
	esac
done
case $SECS$REPS in *[!0-9]*|'') usage ;; esac
[ "$SECS" -ge 2 ] && [ "$REPS" -ge 1 ] || usage

say() { printf '%s\n' "$*"; }
note() { printf '# %s\n' "$*"; }
die() { printf 'throughput.sh: %s\n' "$*" >&2; exit 1; }

# The reference: upstream wireguard-go, beside the repository as the
# project's shared/ directory has it, or wherever WG_REFERENCE says.
find_reference() {
	local c
	for c in "${WG_REFERENCE:-}" \
	    "$BENCH_DIR/../../shared/anchors/wireguard-go/wireguard-go" \
	    "$BENCH_DIR/../../../shared/anchors/wireguard-go/wireguard-go"; do
		[ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
	done
	return 1
}

check_prereqs() {
	[ "$(id -u)" = 0 ] ||
	    die "must run as root (network namespaces, TUN devices, hamd)"
	local c
	for c in ip iperf3 wg ping timeout awk; do
		command -v "$c" >/dev/null ||
		    die "$c not found; on Debian: apt-get install iproute2 iperf3 wireguard-tools iputils-ping coreutils gawk"
	done
	[ -x "$HAMD" ] && [ -x "$HAMCTL" ] ||
	    die "no hamd/hamctl in $top_builddir (build first, or set top_builddir)"
	[ -c /dev/net/tun ] || die "/dev/net/tun missing: no TUN devices here"
	WG_REF=$(find_reference) ||
	    die "no reference wireguard-go (../shared/anchors/wireguard-go); set WG_REFERENCE"
	WG_DEB=$(command -v wireguard-go || true)
}

# --- resources ----------------------------------------------------------------

track_pid() { PIDS="$PIDS $1"; }
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# wait_for SECONDS command...: poll every 50 ms; 1 if the deadline passes.
wait_for() {
	local end=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -ge "$end" ] && return 1
		sleep 0.05
	done
}

cleanup() {
	local rc=$? p n i
	trap - EXIT INT TERM HUP
	set +e
	PIDS="$CLIENT_PID $PIDS"
	# SIGTERM first (hamd stops cleanly, wireguard-go removes its socket).
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for i in $(seq 60); do
		n=0
		for p in $PIDS; do alive "$p" && n=1; done
		[ $n = 0 ] && break
		sleep 0.05
	done
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for n in $NETNS; do
		# Whatever is still inside was started by us (hamd's children).
		for p in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns delete "$n" 2>/dev/null
	done
	for n in $SOCKS; do rm -f "$n"; done
	[ -n "$TMP" ] && rm -rf "$TMP"
	[ $MADE_UAPI_DIR = 1 ] && rmdir "$UAPI_DIR" 2>/dev/null
	exit $rc
}

netns_add() {
	ip netns add "$1" || die "cannot create netns $1"
	NETNS="$NETNS $1"
	ip -n "$1" link set lo up
}

setup_veth() {
	netns_add "$NS_A"
	netns_add "$NS_B"
	ip link add "vb$$a" netns "$NS_A" type veth peer name "vb$$b" netns "$NS_B" ||
	    die "cannot create a veth pair"
	ip -n "$NS_A" link set "vb$$a" name eth0
	ip -n "$NS_B" link set "vb$$b" name eth0
	ip -n "$NS_A" addr add "$OUTER_A/24" dev eth0
	ip -n "$NS_B" addr add "$OUTER_B/24" dev eth0
	ip -n "$NS_A" link set eth0 up
	ip -n "$NS_B" link set eth0 up
}

# --- setups -------------------------------------------------------------------
# Each setup N gets inner subnet 10.242.N.0/24 and ports 5183N (A),
# 5184N (B); it sets TARGET[name] and PROCS[name] ("pid ..." on both ends).
declare -A TARGET PROCS STATE NOTE LABEL
LABEL[reference]="wireguard-go 0.0.20250522"
LABEL[hamd]="hamd"
LABEL[debian]="wireguard-go (Debian)"
LABEL[fastd]="fastd (Debian)"

pings() { ip netns exec "$NS_A" ping -n -q -c 1 -W 1 "$1"; }

# wg_configure NS IF KEY PORT PEERKEY ENDPOINT ADDR PEERADDR PSK
wg_configure() {
	ip netns exec "$1" wg set "$2" listen-port "$4" private-key "$3" \
	    peer "$(wg pubkey < "$5")" preshared-key "$9" endpoint "$6" \
	    allowed-ips "$8/32" || return 1
	ip -n "$1" addr add "$7/24" dev "$2"
	ip -n "$1" link set "$2" mtu "$MTU" up
}

setup_wggo() {	# setup_wggo NAME BINARY NET
	local name=$1 bin=$2 n=$3 d="$TMP/$1" side ns ifc
	local ifa="wgb$$${n}a" ifb="wgb$$${n}b"
	mkdir -p "$d"
	(umask 077
	 wg genkey > "$d/a.key"; wg genkey > "$d/b.key"; wg genpsk > "$d/psk")
	if [ ! -d "$UAPI_DIR" ]; then
		mkdir -p "$UAPI_DIR" && MADE_UAPI_DIR=1
	fi
	PROCS[$name]=""
	for side in a b; do
		if [ $side = a ]; then ns=$NS_A ifc=$ifa; else ns=$NS_B ifc=$ifb; fi
		SOCKS="$SOCKS $UAPI_DIR/$ifc.sock"
		ip netns exec "$ns" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
		    "$bin" -f "$ifc" >"$d/$side.log" 2>&1 &
		track_pid $!
		PROCS[$name]="${PROCS[$name]} $!"
		wait_for 5 test -S "$UAPI_DIR/$ifc.sock" ||
		    { cat "$d/$side.log"; return 1; }
	done
	wg_configure "$NS_A" "$ifa" "$d/a.key" "5183$n" "$d/b.key" \
	    "$OUTER_B:5184$n" "10.242.$n.1" "10.242.$n.2" "$d/psk" || return 1
	wg_configure "$NS_B" "$ifb" "$d/b.key" "5184$n" "$d/a.key" \
	    "$OUTER_A:5183$n" "10.242.$n.2" "10.242.$n.1" "$d/psk" || return 1
	TARGET[$name]=10.242.$n.2
	wait_for 10 pings "10.242.$n.2"
}

setup_reference() { setup_wggo reference "$WG_REF" 1; }
setup_debian() {
	[ -n "$WG_DEB" ] || { SKIP_NOTE="no wireguard-go on PATH"; return 2; }
	setup_wggo debian "$WG_DEB" 3
}

# fastd, one process per end, as Debian ships it: tun mode, its
# recommended method, keys made here.  Inner 10.242.4.0/24.
setup_fastd() {
	local d="$TMP/fastd" side ns i o ob op p me
	command -v fastd >/dev/null || { SKIP_NOTE="fastd not installed"; return 2; }
	mkdir -p "$d"
	for side in a b; do
		fastd --generate-key 2>/dev/null > "$d/$side.keys"
	done
	PROCS[fastd]=""
	for side in a b; do
		if [ $side = a ]; then
			ns=$NS_A i=1 o=b me=$OUTER_A ob=$OUTER_B p=51834 op=51844
		else
			ns=$NS_B i=2 o=a me=$OUTER_B ob=$OUTER_A p=51844 op=51834
		fi
		{
			echo "interface \"fdb$$$side\";"
			echo "mode tun;"
			echo "method \"salsa2012+umac\";"
			echo "bind $me:$p;"
			echo "secret \"$(sed -n 's/^Secret: //p' "$d/$side.keys")\";"
			echo "mtu $MTU;"
			echo "peer \"$o\" {"
			echo "key \"$(sed -n 's/^Public: //p' "$d/$o.keys")\";"
			echo "remote $ob:$op;"
			echo "}"
		} > "$d/$side.conf"
		ip netns exec "$ns" fastd -c "$d/$side.conf" --log-level warn \
		    >"$d/$side.log" 2>&1 &
		track_pid $!
		PROCS[fastd]="${PROCS[fastd]} $!"
		wait_for 5 ip -n "$ns" link show "fdb$$$side" ||
		    { cat "$d/$side.log"; return 1; }
		ip -n "$ns" addr add "10.242.4.$i/24" dev "fdb$$$side"
		ip -n "$ns" link set "fdb$$$side" mtu "$MTU" up
	done
	TARGET[fastd]=10.242.4.2
	wait_for 10 pings 10.242.4.2
}

# hamd as in tests/netns/tunnel.sh: static peers, a preshared key, state
# and chroot under the temporary directory, children as nobody.
hamd_conf() {	# hamd_conf DIR ADDR PORT PEERKEY PEERENDPOINT PEERADDR PSK IF
	{
		echo 'user "nobody"'
		echo "state-directory \"$1/state\""
		echo "chroot \"$1/state/empty\""
		echo "socket \"$1/hamd.sock\""
		echo "interface \"$8\""
		echo "mtu $MTU"
		echo "address $2/24"
		echo "listen-port $3"
		echo "peer \"other\" {"
		echo "public-key \"$4\""
		echo "preshared-key \"$7\""
		echo "endpoint \"$5\""
		echo "allowed-ips $6/32"
		echo "}"
	} > "$1/hamd.conf"
}

hamd_ready() { "$2" -s "$1/hamd.sock" status 2>/dev/null | grep -q 'public key: [A-Za-z0-9+/]'; }

# setup_hamd_build NAME BUILDDIR NET: hamd from BUILDDIR on 10.242.NET.0/24,
# interface hb<NET>, ports 51830+NET (A) and 51860+NET (B).
setup_hamd_build() {
	local name=$1 bin="$2/hamd" ctl="$2/hamctl" n=$3 d="$TMP/$1" side ns pid
	[ -x "$bin" ] && [ -x "$ctl" ] || { SKIP_NOTE="no hamd/hamctl in $2"; return 2; }
	mkdir -p "$d/a/state" "$d/b/state"
	chmod 755 "$d" "$d/a" "$d/b"
	chmod 700 "$d/a/state" "$d/b/state"
	"$ctl" genkey "$d/a/state/private.key" >/dev/null || return 1
	"$ctl" genkey "$d/b/state/private.key" >/dev/null || return 1
	(umask 077; head -c 32 /dev/urandom | base64 > "$d/psk")
	local ka kb
	ka=$("$ctl" pubkey "$d/a/state/private.key")
	kb=$("$ctl" pubkey "$d/b/state/private.key")
	hamd_conf "$d/a" "10.242.$n.1" $((51830 + n)) "$kb" \
	    "$OUTER_B:$((51860 + n))" "10.242.$n.2" "$d/psk" "hb$n"
	hamd_conf "$d/b" "10.242.$n.2" $((51860 + n)) "$ka" \
	    "$OUTER_A:$((51830 + n))" "10.242.$n.1" "$d/psk" "hb$n"
	for side in a b; do
		if [ $side = a ]; then ns=$NS_A; else ns=$NS_B; fi
		ip netns exec "$ns" "$bin" -d -f "$d/$side/hamd.conf" \
		    >"$d/$side/hamd.log" 2>&1 &
		track_pid $!
	done
	PROCS[$name]=""
	for side in a b; do
		wait_for 10 hamd_ready "$d/$side" "$ctl" ||
		    { tail -n 20 "$d/$side/hamd.log"; return 1; }
		# Every process, from 'hamctl -j status'.
		for pid in $("$ctl" -s "$d/$side/hamd.sock" -j status |
		    grep -o '"name":"[a-z-]*","pid":[0-9]*' | sed 's/.*://'); do
			PROCS[$name]="${PROCS[$name]} $pid"
		done
	done
	[ "$name" = hamd ] && HAMD_VERSION=$("$ctl" -s "$d/a/hamd.sock" -j status |
	    sed -n 's/.*"version":"\([^"]*\)".*/\1/p')
	TARGET[$name]=10.242.$n.2
	wait_for 10 pings "10.242.$n.2" ||
	    { tail -n 20 "$d/a/hamd.log" "$d/b/hamd.log"; return 1; }
}

setup_hamd() { setup_hamd_build hamd "$top_builddir" 2; }

# --- measuring ----------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks "PID ...": utime + stime of all of them (and their threads).
cpu_ticks() {
	local p s t=0
	for p in $1; do
		s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		s=${s##*) }
		set -- $s
		t=$((t + ${12} + ${13}))
	done
	echo "$t"
}

# busy_ticks: the whole machine's non-idle ticks (all CPUs).
busy_ticks() {
	local _ u n s i w q sq st
	read -r _ u n s i w q sq st _ < /proc/stat
	echo "$((u + n + s + q + sq + st))"
}

# ping_avg FILE: the average round trip in ms from ping's summary.
ping_avg() { sed -n 's|^rtt .* = [0-9.]*/\([0-9.]*\)/.*|\1|p' "$1"; }

# run_one SETUP COLUMN: one iperf3 run; appends to RES, CPU, MCPU.
# Columns: f1 (A->B, 1 stream), r1 (B->A), f4, r4.
declare -A RES CPU MCPU PIDLE PLOAD
run_one() {
	local s=$1 c=$2 j="$TMP/iperf3.json" args=() t0 t1 m0 m1 bytes mbit
	local pl="$TMP/ping-load.txt" ppid=""
	case $c in
	f1) ;; r1) args=(-R) ;; f4) args=(-P 4) ;; r4) args=(-P 4 -R) ;;
	esac
	# Under load: a ping every 50 ms during the A->B single stream.
	if [ "$c" = f1 ]; then
		ip netns exec "$NS_A" ping -n -q -i 0.05 -w $((SECS - 1)) \
		    "${TARGET[$s]}" >"$pl" 2>&1 &
		ppid=$!
		track_pid "$ppid"
	fi
	t0=$(cpu_ticks "${PROCS[$s]}")
	m0=$(busy_ticks)
	ip netns exec "$NS_A" timeout $((SECS + 30)) iperf3 -c "${TARGET[$s]}" \
	    -t "$SECS" --connect-timeout 5000 -J "${args[@]}" > "$j" 2>&1 &
	CLIENT_PID=$!
	wait "$CLIENT_PID"
	CLIENT_PID=""
	t1=$(cpu_ticks "${PROCS[$s]}")
	m1=$(busy_ticks)
	[ -n "$ppid" ] && { wait "$ppid" 2>/dev/null; PLOAD[$s]="${PLOAD[$s]:-} $(ping_avg "$pl")"; }
	# end.sum_received: what the receiving side counted, either way.
	read -r bytes mbit <<<"$(awk -F: '/"sum_received"/ { f = 1 }
	    f && /"bytes"/ { gsub(/[^0-9.eE+-]/, "", $2); b = $2 }
	    f && /"bits_per_second"/ {
		gsub(/[^0-9.eE+-]/, "", $2); printf "%s %.0f\n", b, $2 / 1e6; exit }' "$j")"
	if [ -z "${mbit:-}" ] || [ -z "${bytes:-}" ] || [ "$bytes" = 0 ]; then
		say "  $s $c: failed ($(grep -o '"error":.*' "$j" | head -n 1))"
		return
	fi
	RES[$s/$c]="${RES[$s/$c]:-} $mbit"
	CPU[$s/$c]="${CPU[$s/$c]:-} $(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" \
	    -v b="$bytes" 'BEGIN { printf "%.2f", t / hz / (b / 1e9) }')"
	MCPU[$s/$c]="${MCPU[$s/$c]:-} $(awk -v t=$((m1 - m0)) -v hz="$CLK_TCK" \
	    -v b="$bytes" 'BEGIN { printf "%.2f", t / hz / (b / 1e9) }')"
	say "  $s $c: $mbit Mbit/s, $(echo "${CPU[$s/$c]}" | awk '{print $NF}') tunnel CPU s/GB"
}

idle_ping() {	# idle_ping SETUP
	local f="$TMP/ping-idle.txt"
	ip netns exec "$NS_A" ping -n -q -c 40 -i 0.025 "${TARGET[$1]}" >"$f" 2>&1
	PIDLE[$1]="${PIDLE[$1]:-} $(ping_avg "$f")"
}

# --- statistics and output ----------------------------------------------------

median() {
	[ -n "${1// /}" ] || return 0
	printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%g\n", m }'
}
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'; }
COLS="f1 r1 f4 r4"
col_name() { case $1 in f1) echo "A->B 1";; r1) echo "B->A 1";; f4) echo "A->B 4";; r4) echo "B->A 4";; esac; }

print_table() {
	local s c
	say ""
	say "iperf3 TCP ${SECS} s, medians of $REPS interleaved runs; load average before: $LOADAVG, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	say ""
	say "Mbit/s (streams)      A->B 1   B->A 1   A->B 4   B->A 4   ping idle   ping loaded"
	for s in $SETUPS; do
		if [ "${STATE[$s]}" != ok ]; then
			printf '%-20s %s\n' "$s" "${STATE[$s]}: ${NOTE[$s]:-}"
			continue
		fi
		printf '%-20s' "$s"
		for c in $COLS; do printf ' %8s' "$(median "${RES[$s/$c]:-}")"; done
		printf ' %8s ms %8s ms\n' "$(median "${PIDLE[$s]:-}")" "$(median "${PLOAD[$s]:-}")"
	done
	for s in $SETUPS; do
		case $s in reference|debian|fastd) continue ;; esac
		[ "${STATE[$s]:-}" = ok ] && [ "${STATE[reference]:-}" = ok ] || continue
		printf '%-20s' "$s / reference"
		for c in $COLS; do
			printf ' %8s' "$(ratio "$(median "${RES[$s/$c]:-}")" "$(median "${RES[reference/$c]:-}")")"
		done
		printf '\n'
	done
	say ""
	say "CPU s/GB: the tunnel's processes, both ends (the whole machine in brackets)"
	for s in $SETUPS; do
		[ "${STATE[$s]}" = ok ] || continue
		printf '%-20s' "$s"
		for c in $COLS; do
			printf ' %5s (%5s)' "$(median "${CPU[$s/$c]:-}")" "$(median "${MCPU[$s/$c]:-}")"
		done
		printf '\n'
	done
	say "(reference: ${LABEL[reference]} at $WG_REF; debian: ${WG_DEB:-none})"
}

json_list() { local x out=""; for x in $1; do out="$out${out:+, }$x"; done; echo "[$out]"; }

write_json() {
	local s c first=1 fc
	{
		echo "{"
		echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
		echo "  \"kernel\": \"$(uname -r)\", \"cpus\": $(nproc),"
		echo "  \"loadavg_before\": \"$LOADAVG\","
		echo "  \"hamd_version\": \"$HAMD_VERSION\", \"git\": \"$GIT_REV\","
		echo "  \"seconds\": $SECS, \"repetitions\": $REPS, \"mtu\": $MTU,"
		echo "  \"unit\": \"Mbit/s\", \"cpu_unit\": \"CPU seconds per GB\","
		echo "  \"setups\": {"
		for s in $SETUPS; do
			[ $first = 1 ] || echo ","
			first=0
			printf '    "%s": { "state": "%s"' "$s" "${STATE[$s]}"
			if [ "${STATE[$s]}" = ok ]; then
				for c in $COLS; do
					printf ',\n      "%s": { "runs": %s, "median": %s, "cpu_s_per_gb": %s, "machine_cpu_s_per_gb": %s }' \
					    "$c" "$(json_list "${RES[$s/$c]:-}")" \
					    "$(median "${RES[$s/$c]:-}")" \
					    "$(json_list "${CPU[$s/$c]:-}")" \
					    "$(json_list "${MCPU[$s/$c]:-}")"
				done
				printf ',\n      "ping_idle_ms": %s, "ping_loaded_ms": %s' \
				    "$(json_list "${PIDLE[$s]:-}")" "$(json_list "${PLOAD[$s]:-}")"
			fi
			printf ' }'
		done
		echo ""
		echo "  }"
		echo "}"
	} > "$OUT"
}

# --- main ---------------------------------------------------------------------

check_prereqs
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
TMP=$(mktemp -d /tmp/hamd-bench.XXXXXX) || die "mktemp failed"
chmod 755 "$TMP"	# hamd checks that its chroot's parents are root-owned, not group/world-writable
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
HAMD_VERSION=""
GIT_REV=$(git -C "$BENCH_DIR/.." describe --always --dirty 2>/dev/null || echo unknown)
note "iperf3 -t $SECS, $REPS interleaved repetitions; load average before: $LOADAVG ($(nproc) CPUs)"
note "A->B: client in A sends to the server in B; B->A: the same with -R"

setup_veth
BUILD_NET=5
for b in "${BUILDS[@]}"; do
	SETUPS="$SETUPS ${b%%=*}"
	LABEL[${b%%=*}]="hamd built in ${b#*=}"
done
for s in $SETUPS; do
	SKIP_NOTE=""
	if [ -n "${LABEL[$s]:-}" ] && [ "${LABEL[$s]#hamd built in }" != "${LABEL[$s]}" ]; then
		setup_hamd_build "$s" "${LABEL[$s]#hamd built in }" "$BUILD_NET"
		BUILD_NET=$((BUILD_NET + 1))
	else
		"setup_$s"
	fi
	case $? in
	0)	STATE[$s]=ok ;;
	2)	STATE[$s]=skipped; NOTE[$s]=$SKIP_NOTE ;;
	*)	STATE[$s]=failed; NOTE[$s]="setup failed (no ping through the tunnel)" ;;
	esac
	say "== $s (${LABEL[$s]}): ${STATE[$s]} ${NOTE[$s]:-} pids:${PROCS[$s]:-}"
done
if [ $KEEP = 1 ]; then
	say "namespaces $NS_A $NS_B; press Enter to tear down"
	read -r _
	exit 0
fi
ip netns exec "$NS_B" iperf3 -s >"$TMP/iperf3-server.log" 2>&1 &
track_pid $!
wait_for 5 sh -c "ip netns exec $NS_B ss -ltn | grep -q ':5201 '" ||
    die "the iperf3 server did not start"

ACTIVE=""
for s in $SETUPS; do [ "${STATE[$s]}" = ok ] && ACTIVE="$ACTIVE $s"; done
set -- $ACTIVE
NACT=$#
for r in $(seq "$REPS"); do
	say "== repetition $r (load $(cut -d' ' -f1 /proc/loadavg))"
	# Rotate the order each repetition: none always runs first.
	set -- $ACTIVE
	order=""
	for i in $(seq $(( (r - 1) % NACT ))); do set -- "$@" "$1"; shift; done
	order="$*"
	for s in $order; do idle_ping "$s"; done
	for c in $COLS; do
		for s in $order; do run_one "$s" "$c"; done
	done
done

print_table
write_json
say ""
say "JSON: $OUT"
