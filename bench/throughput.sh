#!/usr/bin/env bash
# Throughput benchmark: iperf3 TCP between two network namespaces joined by
# a veth, over (1) the bare veth, (2) wireguard-go on both ends, (3) hamd on
# both ends with static peers and (4) the kernel WireGuard module when this
# kernel has it.  All in one run, so the numbers are comparable.
#
# A benchmark, not a test: it reports numbers and never judges them.  It
# exits non-zero only when it cannot run at all.
#
# Only addresses inside the two namespaces it creates are used (192.168.242.0/24
# outside, 10.242.0.0/24 and fd42:242::/64 inside the tunnels).  An EXIT trap
# removes every namespace, process (by recorded PID) and wireguard-go UAPI
# socket it made, also after a failure or Ctrl-C.
#
# Usage: bench/throughput.sh [-t SECONDS] [-r REPETITIONS] [-o FILE.json]
# Environment: top_builddir (where hamd and hamctl are; default the repo root).

set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$(cd "$BENCH_DIR/.." && pwd)}"
HAMD="$top_builddir/hamd"
HAMCTL="$top_builddir/hamctl"

SECS=10
REPS=3
OUT="$BENCH_DIR/results-$(date +%Y%m%d-%H%M%S).json"
MTU=1420		# wireguard-go's and hamd's default; used everywhere

NS_A="hamd-bench-$$-a"
NS_B="hamd-bench-$$-b"
OUTER_A=192.168.242.1
OUTER_B=192.168.242.2
INNER_A=10.242.0.1
INNER_B=10.242.0.2
PORT_A=51830
PORT_B=51831
WGGO_IF_A="wgb$$a"	# unique: the UAPI socket directory is shared by all namespaces
WGGO_IF_B="wgb$$b"
UAPI_DIR=/var/run/wireguard

# What the current setup owns; teardown() releases exactly these.
PIDS=""
NETNS=""
SOCKS=""
TMP=""
MADE_UAPI_DIR=0

usage() {
	cat <<EOF
usage: $0 [-t SECONDS] [-r REPETITIONS] [-o FILE.json]
  -t  length of each iperf3 run in seconds (default 10)
  -r  runs per direction and setup (default 3)
  -o  where to write the JSON results (default bench/results-DATE.json)
EOF
	exit 2
}

while getopts t:r:o:h opt; do
	case $opt in
	t) SECS=$OPTARG ;;
	r) REPS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) usage ;;
	esac
done
case $SECS$REPS in *[!0-9]*|'') usage ;; esac
[ "$SECS" -ge 1 ] && [ "$REPS" -ge 1 ] || usage

say() { printf '%s\n' "$*"; }
note() { printf '# %s\n' "$*"; }
die() { printf 'throughput.sh: %s\n' "$*" >&2; exit 1; }

# --- prerequisites ------------------------------------------------------------

check_prereqs() {
	[ "$(id -u)" = 0 ] ||
	    die "must run as root (network namespaces, TUN devices, hamd)"
	local c
	for c in ip iperf3 wireguard-go wg ss timeout; do
		command -v "$c" >/dev/null ||
		    die "$c not found; on Debian: apt-get install iproute2 iperf3 wireguard-go wireguard-tools coreutils"
	done
	[ -x "$HAMD" ] && [ -x "$HAMCTL" ] ||
	    die "no hamd/hamctl in $top_builddir (build first, or set top_builddir)"
	[ -c /dev/net/tun ] || die "/dev/net/tun missing: no TUN devices here"
	ip netns add "hamd-bench-$$-probe" 2>/dev/null ||
	    die "cannot create network namespaces (ip netns add failed)"
	ip netns delete "hamd-bench-$$-probe"
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

# Stop what the current setup started: SIGTERM first (hamd shuts down
# cleanly, wireguard-go removes its socket), SIGKILL for what remains.
teardown() {
	local p n i
	PIDS="$CLIENT_PID $PIDS"
	CLIENT_PID=""
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
	PIDS="" NETNS="" SOCKS=""
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	teardown
	[ -n "$TMP" ] && rm -rf "$TMP"
	[ $MADE_UAPI_DIR = 1 ] && rmdir "$UAPI_DIR" 2>/dev/null
	exit $rc
}

netns_add() {
	ip netns add "$1" || die "cannot create netns $1"
	NETNS="$NETNS $1"
	ip -n "$1" link set lo up
}

# Two namespaces and the veth between them: every setup starts here.
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
	TARGET=$OUTER_B
}

pings() { ip netns exec "$NS_A" ping -n -q -c 1 -W 1 "$1"; }

# --- setups: each leaves TARGET (the server's address) and CPU_PROCS set --------

# CPU_PROCS: "label:pid ..." whose CPU time is recorded during iperf3.
CPU_PROCS=""

setup_wggo() {
	setup_veth
	local d="$TMP/wggo" side ns ifc
	mkdir -p "$d"
	(umask 077
	 wg genkey > "$d/a.key"; wg genkey > "$d/b.key"; wg genpsk > "$d/psk")
	if [ ! -d "$UAPI_DIR" ]; then
		mkdir -p "$UAPI_DIR" && MADE_UAPI_DIR=1
	fi
	for side in a b; do
		if [ $side = a ]; then ns=$NS_A ifc=$WGGO_IF_A; else ns=$NS_B ifc=$WGGO_IF_B; fi
		SOCKS="$SOCKS $UAPI_DIR/$ifc.sock"
		ip netns exec "$ns" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
		    wireguard-go -f "$ifc" >"$d/$side.log" 2>&1 &
		track_pid $!
		CPU_PROCS="$CPU_PROCS $side/wireguard-go:$!"
		wait_for 5 test -S "$UAPI_DIR/$ifc.sock" ||
		    { cat "$d/$side.log"; return 1; }
	done
	wg_configure "$NS_A" "$WGGO_IF_A" "$d/a.key" "$PORT_A" "$d/b.key" \
	    "$OUTER_B:$PORT_B" "$INNER_A" "$INNER_B" "$d/psk" || return 1
	wg_configure "$NS_B" "$WGGO_IF_B" "$d/b.key" "$PORT_B" "$d/a.key" \
	    "$OUTER_A:$PORT_A" "$INNER_B" "$INNER_A" "$d/psk" || return 1
	TARGET=$INNER_B
	wait_for 10 pings "$INNER_B"
}

# wg_configure NS IF KEY PORT PEERKEY ENDPOINT ADDR PEERADDR PSK
wg_configure() {
	ip netns exec "$1" wg set "$2" listen-port "$4" private-key "$3" \
	    peer "$(wg pubkey < "$5")" preshared-key "$9" endpoint "$6" \
	    allowed-ips "$8/32" || return 1
	ip -n "$1" addr add "$7/24" dev "$2"
	ip -n "$1" link set "$2" mtu "$MTU" up
}

# The kernel module, if this kernel has it.  Prints why not otherwise.
setup_kernel_wg() {
	setup_veth
	local err
	if ! err=$(ip -n "$NS_A" link add wgk0 type wireguard 2>&1) ||
	   ! ip -n "$NS_B" link add wgk0 type wireguard 2>/dev/null; then
		SKIP_NOTE="ip link add type wireguard failed: ${err:-error}"
		return 2
	fi
	local d="$TMP/kwg"
	mkdir -p "$d"
	(umask 077
	 wg genkey > "$d/a.key"; wg genkey > "$d/b.key"; wg genpsk > "$d/psk")
	wg_configure "$NS_A" wgk0 "$d/a.key" "$PORT_A" "$d/b.key" \
	    "$OUTER_B:$PORT_B" "$INNER_A" "$INNER_B" "$d/psk" || return 1
	wg_configure "$NS_B" wgk0 "$d/b.key" "$PORT_B" "$d/a.key" \
	    "$OUTER_A:$PORT_A" "$INNER_B" "$INNER_A" "$d/psk" || return 1
	TARGET=$INNER_B
	wait_for 10 pings "$INNER_B"
}

# hamd as in tests/netns/tunnel.sh: static peers, a preshared key, state
# and chroot under the temporary directory, children as nobody.
hamd_conf() {	# hamd_conf DIR ADDR PORT PEERKEY PEERENDPOINT PEERADDR
	{
		echo 'user "nobody"'
		echo "state-directory \"$1/state\""
		echo "chroot \"$1/state/empty\""
		echo "socket \"$1/hamd.sock\""
		echo "interface \"ham0\""
		echo "mtu $MTU"
		echo "address $2/24"
		echo "listen-port $3"
		echo "peer \"other\" {"
		echo "public-key \"$4\""
		echo "preshared-key \"$TMP/hamd/psk\""
		echo "endpoint \"$5\""
		echo "allowed-ips $6/32"
		echo "}"
	} > "$1/hamd.conf"
}

hamd_ready() { "$HAMCTL" -s "$1/hamd.sock" status 2>/dev/null | grep -q 'public key: [A-Za-z0-9+/]'; }

setup_hamd() {
	setup_veth
	local d="$TMP/hamd" side ns pid procs
	mkdir -p "$d/a/state" "$d/b/state"
	chmod 755 "$d" "$d/a" "$d/b"
	chmod 700 "$d/a/state" "$d/b/state"
	"$HAMCTL" genkey "$d/a/state/private.key" >/dev/null || return 1
	"$HAMCTL" genkey "$d/b/state/private.key" >/dev/null || return 1
	(umask 077; head -c 32 /dev/urandom | base64 > "$d/psk")
	local ka kb
	ka=$("$HAMCTL" pubkey "$d/a/state/private.key")
	kb=$("$HAMCTL" pubkey "$d/b/state/private.key")
	hamd_conf "$d/a" "$INNER_A" "$PORT_A" "$kb" "$OUTER_B:$PORT_B" "$INNER_B"
	hamd_conf "$d/b" "$INNER_B" "$PORT_B" "$ka" "$OUTER_A:$PORT_A" "$INNER_A"
	for side in a b; do
		if [ $side = a ]; then ns=$NS_A; else ns=$NS_B; fi
		ip netns exec "$ns" "$HAMD" -d -f "$d/$side/hamd.conf" \
		    >"$d/$side/hamd.log" 2>&1 &
		track_pid $!
	done
	for side in a b; do
		wait_for 10 hamd_ready "$d/$side" ||
		    { tail -n 20 "$d/$side/hamd.log"; return 1; }
		# Every process by name, from 'hamctl -j status'.
		procs=$("$HAMCTL" -s "$d/$side/hamd.sock" -j status |
		    grep -o '"name":"[a-z-]*","pid":[0-9]*' |
		    sed 's/"name":"\([a-z-]*\)","pid":\([0-9]*\)/\1:\2/')
		for pid in $procs; do CPU_PROCS="$CPU_PROCS $side/$pid"; done
	done
	HAMD_VERSION=$("$HAMCTL" -s "$d/a/hamd.sock" -j status |
	    sed -n 's/.*"version":"\([^"]*\)".*/\1/p')
	TARGET=$INNER_B
	wait_for 10 pings "$INNER_B" ||
	    { tail -n 20 "$d/a/hamd.log" "$d/b/hamd.log"; return 1; }
}

# --- measuring ----------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)

# proc_ticks PID: "utime stime" in clock ticks (all threads); fields 14 and
# 15 of /proc/PID/stat, counted after the command name, which may hold spaces.
proc_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo "0 0"; return; }
	s=${s##*) }
	set -- $s
	echo "${12} ${13}"
}

# The machine as a whole: user+nice, system, irq+softirq, idle+iowait, total.
sys_ticks() {
	local _ u n s i w q sq st
	read -r _ u n s i w q sq st _ < /proc/stat
	echo "$((u + n)) $s $((q + sq)) $((i + w)) $((u + n + s + i + w + q + sq + st))"
}

declare -A CPU0
cpu_begin() {
	local e
	for e in $CPU_PROCS; do CPU0[$e]=$(proc_ticks "${e##*:}"); done
	CPU0[sys]=$(sys_ticks)
	CPU0[wall]=$(date +%s%N)
}

# cpu_end SETUP DIR: append one line per process to CPU_ROWS:
# "setup dir label user_s sys_s pct_of_one_core", and one "system" line.
CPU_ROWS=()
cpu_end() {
	local e u0 s0 u1 s1 wall label
	wall=$(( ($(date +%s%N) - ${CPU0[wall]}) / 1000000 ))	# ms
	[ "$wall" -gt 0 ] || wall=1
	for e in $CPU_PROCS; do
		read -r u0 s0 <<<"${CPU0[$e]}"
		read -r u1 s1 <<< "$(proc_ticks "${e##*:}")"
		label=${e%:*}
		CPU_ROWS+=("$1 $2 $label $(awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) \
		    -v hz="$CLK_TCK" -v w="$wall" 'BEGIN {
			printf "%.2f %.2f %.0f", u / hz, s / hz, (u + s) / hz * 100000 / w }')")
	done
	local a b
	read -ra a <<<"${CPU0[sys]}"
	read -ra b <<<"$(sys_ticks)"
	CPU_ROWS+=("$1 $2 machine $(awk -v u=$((b[0] - a[0])) -v s=$((b[1] - a[1])) \
	    -v q=$((b[2] - a[2])) -v i=$((b[3] - a[3])) -v t=$((b[4] - a[4])) 'BEGIN {
		if (t == 0) t = 1
		printf "user=%.0f%% sys=%.0f%% irq+softirq=%.0f%% idle=%.0f%%",
		    100 * u / t, 100 * s / t, 100 * q / t, 100 * i / t }')")
}

start_iperf_server() {
	ip netns exec "$NS_B" iperf3 -s >"$TMP/iperf3-server.log" 2>&1 &
	track_pid $!
	wait_for 5 sh -c "ip netns exec $NS_B ss -ltn | grep -q ':5201 '"
}

# iperf_once [-R]: one run from A to TARGET; sets G to Gbit/s, or "".
# The client runs in the background so that a signal interrupts 'wait' at
# once and the trap runs (bash would ignore a Ctrl-C that the foreground
# iperf3 catches and exits from); teardown kills it by its PID.
CLIENT_PID=""
iperf_once() {
	local j="$TMP/iperf3.json"
	ip netns exec "$NS_A" timeout $((SECS + 30)) \
	    iperf3 -c "$TARGET" -t "$SECS" --connect-timeout 5000 -J "$@" > "$j" 2>&1 &
	CLIENT_PID=$!
	wait "$CLIENT_PID"
	CLIENT_PID=""
	# end.sum_received: what the receiving side counted, in both directions.
	G=$(awk -F: '/"sum_received"/ { f = 1 }
	    f && /"bits_per_second"/ {
		gsub(/[^0-9.eE+-]/, "", $2); printf "%.3f\n", $2 / 1e9; exit }' "$j")
}

# Results: RES[setup/dir] = "g1 g2 ...", STATE[setup] = ok|skipped|failed.
declare -A RES STATE NOTE
SETUPS="veth wireguard-go hamd kernel-wireguard"

measure() {	# measure SETUP
	local dir r g
	start_iperf_server || { NOTE[$1]="iperf3 server did not start"; return 1; }
	for dir in fwd rev; do
		RES[$1/$dir]=""
		cpu_begin
		for r in $(seq "$REPS"); do
			if [ $dir = fwd ]; then iperf_once; else iperf_once -R; fi
			g=$G
			if [ -n "$g" ]; then
				RES[$1/$dir]="${RES[$1/$dir]} $g"
				say "  $1 $(dir_name $dir) run $r: $g Gbit/s"
			else
				say "  $1 $(dir_name $dir) run $r: failed ($(grep -o '"error":.*' "$TMP/iperf3.json" | head -n 1))"
			fi
		done
		[ -n "$CPU_PROCS" ] && cpu_end "$1" "$dir"
	done
}

dir_name() { [ "$1" = fwd ] && echo "A->B" || echo "B->A"; }

run_setup() {	# run_setup NAME FUNCTION
	local rc
	say "== $1"
	CPU_PROCS="" SKIP_NOTE=""
	"$2"
	rc=$?
	case $rc in
	0)	measure "$1"; STATE[$1]=ok ;;
	2)	STATE[$1]=skipped; NOTE[$1]=$SKIP_NOTE; say "  skipped: $SKIP_NOTE" ;;
	*)	STATE[$1]=failed; NOTE[$1]="setup failed (no ping through the tunnel)"
		say "  setup failed; skipping" ;;
	esac
	teardown
}

# --- statistics and output ----------------------------------------------------

# stats "g1 g2 ...": "median min max", or empty.
stats() {
	[ -n "${1// /}" ] || return 0
	printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}
median() { local m _; read -r m _ <<<"$(stats "$1")"; echo "${m:-}"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'; }
ratio4() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b }'; }
percent() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b }'; }

print_table() {
	local s dir st cell
	say ""
	say "iperf3 TCP, ${SECS} s x $REPS per direction, Gbit/s: median (min-max), share of veth"
	printf '%-17s %-32s %-32s\n' setup "A->B" "B->A"
	for s in $SETUPS; do
		if [ "${STATE[$s]}" != ok ]; then
			printf '%-17s %s\n' "$s" "${STATE[$s]}: ${NOTE[$s]}"
			continue
		fi
		printf '%-17s' "$s"
		for dir in fwd rev; do
			read -ra st <<<"$(stats "${RES[$s/$dir]}")"
			if [ ${#st[@]} = 3 ]; then
				cell="${st[0]} (${st[1]}-${st[2]}) $(percent "${st[0]}" "$(median "${RES[veth/$dir]}")")"
			else
				cell="no result"
			fi
			printf ' %-32s' "$cell"
		done
		printf '\n'
	done
	say "hamd / wireguard-go: A->B $(ratio "$(median "${RES[hamd/fwd]}")" "$(median "${RES[wireguard-go/fwd]}")")," \
	    "B->A $(ratio "$(median "${RES[hamd/rev]}")" "$(median "${RES[wireguard-go/rev]}")")"
	say ""
	say "CPU during the iperf3 runs (seconds; % of one core over the runs' wall time):"
	printf '%-13s %-5s %-17s %7s %7s %6s\n' setup dir process user sys core%
	local row f
	for row in "${CPU_ROWS[@]}"; do
		read -ra f <<<"$row"
		if [ "${f[2]}" = machine ]; then
			printf '%-13s %-5s %-17s %s\n' "${f[0]}" "$(dir_name "${f[1]}")" \
			    "(whole machine)" "${f[*]:3}"
		else
			printf '%-13s %-5s %-17s %7s %7s %5s%%\n' "${f[0]}" \
			    "$(dir_name "${f[1]}")" "${f[2]}" "${f[3]}" "${f[4]}" "${f[5]}"
		fi
	done
	say "(process names: a/ is the sender in A->B, b/ the receiver; the" \
	    "machine line is all $(nproc) CPUs together, so 50% = one core)"
}

json_list() { local x out=""; for x in $1; do out="$out${out:+, }$x"; done; echo "[$out]"; }
json_esc() { printf '%s' "$1" | tr -d '\000-\037' | sed 's/[\\"]/\\&/g'; }
json_num() { echo "${1:-null}"; }

write_json() {
	local s dir st first=1 row f
	{
		echo "{"
		echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
		echo "  \"kernel\": \"$(uname -r)\", \"cpus\": $(nproc),"
		echo "  \"loadavg_before\": \"$LOADAVG\","
		echo "  \"hamd_version\": \"$HAMD_VERSION\", \"git\": \"$GIT_REV\","
		echo "  \"seconds\": $SECS, \"repetitions\": $REPS, \"mtu\": $MTU,"
		echo "  \"unit\": \"Gbit/s\","
		echo "  \"setups\": {"
		for s in $SETUPS; do
			[ $first = 1 ] || echo ","
			first=0
			printf '    "%s": { "state": "%s"' "$s" "${STATE[$s]}"
			[ -n "${NOTE[$s]:-}" ] && printf ', "note": "%s"' "$(json_esc "${NOTE[$s]}")"
			for dir in fwd rev; do
				[ "${STATE[$s]}" = ok ] || continue
				read -ra st <<<"$(stats "${RES[$s/$dir]}")"
				printf ',\n      "%s": { "runs": %s, "median": %s, "min": %s, "max": %s, "vs_veth": %s }' \
				    "$([ $dir = fwd ] && echo a_to_b || echo b_to_a)" \
				    "$(json_list "${RES[$s/$dir]}")" "$(json_num "${st[0]:-}")" \
				    "$(json_num "${st[1]:-}")" "$(json_num "${st[2]:-}")" \
				    "$(json_num "$(ratio4 "${st[0]:-}" "$(median "${RES[veth/$dir]}")")")"
			done
			printf ' }'
		done
		echo ""
		echo "  },"
		printf '  "hamd_vs_wireguard_go": { "a_to_b": %s, "b_to_a": %s },\n' \
		    "$(json_num "$(ratio "$(median "${RES[hamd/fwd]}")" "$(median "${RES[wireguard-go/fwd]}")")")" \
		    "$(json_num "$(ratio "$(median "${RES[hamd/rev]}")" "$(median "${RES[wireguard-go/rev]}")")")"
		echo "  \"cpu\": ["
		first=1
		for row in "${CPU_ROWS[@]}"; do
			read -ra f <<<"$row"
			[ $first = 1 ] || echo ","
			first=0
			if [ "${f[2]}" = machine ]; then
				printf '    { "setup": "%s", "dir": "%s", "process": "machine", "share": "%s" }' \
				    "${f[0]}" "$(dir_name "${f[1]}")" "${f[*]:3}"
			else
				printf '    { "setup": "%s", "dir": "%s", "process": "%s", "user_s": %s, "sys_s": %s, "core_pct": %s }' \
				    "${f[0]}" "$(dir_name "${f[1]}")" "${f[2]}" "${f[3]}" "${f[4]}" "${f[5]}"
			fi
		done
		echo ""
		echo "  ]"
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
note "iperf3 -t $SECS, $REPS run(s) per direction; load average before: $LOADAVG"
note "A->B: client in A sends to the server in B; B->A: the same with -R"

run_setup veth setup_veth
run_setup wireguard-go setup_wggo
run_setup hamd setup_hamd
run_setup kernel-wireguard setup_kernel_wg

print_table
write_json
say ""
say "JSON: $OUT"
