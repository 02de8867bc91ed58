#!/bin/sh
# hamd against wireguard-go, the interop oracle nobody here wrote.
#
# Namespace A runs hamd, namespace B runs wireguard-go configured with wg;
# a veth joins them.  Four cases, each with fresh keys, namespaces and
# daemons: hamd initiates (wireguard-go has no endpoint for it), then
# wireguard-go initiates (hamd has none), each without and with a
# preshared key.  Each case pings both ways over IPv4 and IPv6, reads
# wg's view of the handshake and transfer counters, runs iperf3 both ways
# and has tshark dissect the outer UDP traffic captured on B: the
# handshake must start on the expected side, its mac1 must match the
# receiver's key in tshark's own implementation, and nothing may be
# malformed.  Speeds are reported, never asserted.
#
# A fifth case gives the two sides different preshared keys, both
# initiating: each answers the other, neither can open the answer, so
# both must show no handshake at all (hamd counts a handshake only once
# its session is confirmed, as WireGuard does); with the keys made equal
# both then show one.
#
# All five run against each wireguard-go there is: Debian's on PATH
# (0.0.20220316), and upstream 0.0.20250522 with vectorised I/O and
# UDP and TUN offloads, the project's performance reference
# (../shared/anchors/wireguard-go, or WG_REFERENCE), as cases 6 to 10.
. "$(dirname "$0")/lib.sh"
require_root
for c in wireguard-go wg; do
	command -v "$c" >/dev/null || skip "$c not installed"
done
mktmp

# wireguard-go keeps its UAPI socket in /var/run/wireguard, which every
# namespace shares: each run uses interface names of its own, and the
# trap below kills wireguard-go by PID and removes the sockets it left
# before lib.sh's cleanup runs.
# The directory itself stays: other tests' wireguard-go may be using it.
WG_RUNDIR=/var/run/wireguard
WG_PIDS=""
WG_SOCKS=""
interop_cleanup() {
	rc=$?
	set +e
	for p in $WG_PIDS; do kill -KILL "$p" 2>/dev/null; done
	for p in $WG_PIDS; do wait "$p" 2>/dev/null; done
	for s in $WG_SOCKS; do rm -f "$s"; done
	(exit $rc)
	cleanup
}
trap interop_cleanup EXIT

HAS_TSHARK=
command -v tshark >/dev/null && HAS_TSHARK=yes
HAS_IPERF=
command -v iperf3 >/dev/null && HAS_IPERF=yes
# Both are part of the test: missing, they fail it rather than vanish.
[ -n "$HAS_TSHARK" ] || not_ok "tshark installed (capture checks left out)"
[ -n "$HAS_IPERF" ] || not_ok "iperf3 installed (throughput runs left out)"

PORT_A=51820		# hamd
PORT_B=51821		# wireguard-go
OUT_A=192.168.242.1
OUT_B=192.168.242.2

# --- helpers ----------------------------------------------------------------

sock_ready() { [ -S "$1" ]; }
listening() { ip netns exec "$1" ss -ltn | grep -q ":$2 "; }
file_has() { grep -q -- "$2" "$1" 2>/dev/null; }

# wg_field NS IF WHAT KEY: the values wg show prints for peer KEY
wg_field() {
	ip netns exec "$1" wg show "$2" "$3" 2>/dev/null |
	    awk -v k="$4" '$1 == k { $1 = ""; sub(/^ /, ""); print }'
}
captured() {	# captured FILE: a WireGuard data message is in the capture
	tshark -n -r "$1" -d "udp.port==$PORT_B,wg" -Y "wg.type == 4" \
	    2>/dev/null | grep -q .
}

# iperf NS_SERVER ADDR NS_CLIENT [-R]: one 2 s run; prints the receiver line
iperf() {
	ip netns exec "$1" iperf3 -s -1 -B "$2" >/dev/null 2>&1 &
	track_pid $!
	wait_for 5 listening "$1" 5201
	ip netns exec "$3" iperf3 -c "$2" -t 2 -f m ${4:+"$4"} 2>&1 |
	    grep receiver | sed 's/.*sec *[0-9.]* [KMG]*Bytes *//; s/ *receiver//'
}

# --- one pair of daemons ----------------------------------------------------

# start_pair N INIT WHAT CAPTURE PSK_A PSK_B KEEPALIVE: fresh namespaces,
# keys and daemons, hamd in A and wireguard-go in B.  INIT (hamd, wg or
# both) says which side knows the other's endpoint and so starts
# handshakes; CAPTURE yes has tshark record B's outer traffic from before
# either daemon starts; PSK_A and PSK_B name a preshared key file of the
# case (psk or psk2, both made here) or are empty; KEEPALIVE is both
# sides' persistent keepalive (0: none).  1 if a daemon does not start.
start_pair() {
	n=$1; init=$2; what=$3; capture=$4; pska=$5; pskb=$6; ka=$7
	A="hamd-ia$n-$$"; B="hamd-ib$n-$$"
	WGIF=$(printf 'wg%sc%s' "$$" "$n" | cut -c1-15)
	WGSOCK="$WG_RUNDIR/$WGIF.sock"
	D="$T_TMP/c$n"
	log "case $n: $what (wireguard-go $WGGO_NAME, interface $WGIF)"
	t_start=$(date +%s)

	netns_add "$A"; netns_add "$B"
	link_pair "$A" "$B" "$OUT_A/24" "$OUT_B/24"
	mkdir -p "$D/a" "$D/b"
	chmod 755 "$D" "$D/a" "$D/b"
	mkdir -m 700 "$D/a/state"
	"$HAMCTL" genkey "$D/a/state/private.key"
	KA=$(pubkey_of "$D/a")
	(umask 077; wg genkey > "$D/b/private.key"; wg genpsk > "$D/psk"
	    wg genpsk > "$D/psk2")
	KB=$(wg pubkey < "$D/b/private.key")

	# The capture starts before either daemon, so it sees the handshake.
	TS_PID=
	if [ "$capture" = yes ] && [ -n "$HAS_TSHARK" ]; then
		ip netns exec "$B" tshark -n -i eth0 -f "udp port $PORT_B" \
		    -w "$D/cap.pcapng" >"$D/tshark.log" 2>&1 &
		TS_PID=$!
		track_pid "$TS_PID"
		wait_for 10 file_has "$D/tshark.log" "Capture started" ||
		    log "tshark did not report capturing: $(cat "$D/tshark.log")"
	fi

	# hamd in A
	psk_a=""; psk_b=""
	[ -n "$pska" ] && psk_a="preshared-key \"$D/$pska\""
	[ -n "$pskb" ] && psk_b="preshared-key $D/$pskb"
	ep_a=""; ep_b=""
	[ "$init" = wg ] || ep_a="endpoint \"$OUT_B:$PORT_B\""
	[ "$init" = hamd ] || ep_b="endpoint $OUT_A:$PORT_A"
	write_conf "$D/a" 'address 10.242.0.1/24' 'address fd77:242::1/64' \
	    "listen-port $PORT_A" \
	    'peer "wggo" {' "public-key \"$KB\"" "$psk_a" "$ep_a" \
	    "persistent-keepalive $ka" \
	    'allowed-ips 10.242.0.2/32, fd77:242::2/128' '}'
	start_hamd "$A" "$D/a"
	PA=$HAMD_PID
	if ! wait_for 10 hamd_ready "$D/a"; then
		cat "$D/a/hamd.log"
		not_ok "case $n: hamd starts"
		return 1
	fi
	hamctl_in "$D/a" log verbose >/dev/null

	# wireguard-go in B
	ip netns exec "$B" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
	    LOG_LEVEL=verbose "$WGGO" -f "$WGIF" >"$D/wg-go.log" 2>&1 &
	PW=$!
	track_pid "$PW"
	WG_PIDS="$WG_PIDS $PW"
	WG_SOCKS="$WG_SOCKS $WGSOCK"
	if ! wait_for 10 sock_ready "$WGSOCK"; then
		cat "$D/wg-go.log"
		not_ok "case $n: wireguard-go starts"
		return 1
	fi
	# shellcheck disable=SC2086 # $psk_b and $ep_b are words for wg
	if ! ip netns exec "$B" wg set "$WGIF" private-key "$D/b/private.key" \
	    listen-port "$PORT_B" peer "$KA" $psk_b $ep_b \
	    persistent-keepalive "$ka" \
	    allowed-ips 10.242.0.1/32,fd77:242::1/128; then
		not_ok "case $n: wg set configures wireguard-go"
		return 1
	fi
	ip -n "$B" addr add 10.242.0.2/24 dev "$WGIF"
	ip -n "$B" addr add fd77:242::2/64 dev "$WGIF" nodad
	ip -n "$B" link set "$WGIF" up
	ok "case $n: hamd and wireguard-go start"
}

# stop_pair: every process of the pair by PID, the socket, the namespaces.
stop_pair() {
	stop_hamd "$PA"
	kill -TERM "$PW" 2>/dev/null
	wait_for 5 dead "$PW" || kill -KILL "$PW" 2>/dev/null
	wait "$PW" 2>/dev/null
	check "case $n: both daemons stop cleanly" all_dead "$PA" "$PW"
	rm -f "$WGSOCK"
	for ns in "$A" "$B"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns delete "$ns"
	done
}

# --- one case ---------------------------------------------------------------

# run_case N hamd|wg yes|no: INIT is the side that knows the other's
# endpoint and starts the handshake; yes gives both the same PSK.
run_case() {
	n=$1; init=$2; usepsk=$3
	if [ "$usepsk" = yes ]; then
		what="$init initiates, PSK"; psk=psk
	else
		what="$init initiates"; psk=
	fi
	start_pair "$n" "$init" "$what" yes "$psk" "$psk" 0 || return

	# Pings: the initiator's side speaks first.
	if [ "$init" = hamd ]; then
		first=$A; dst1=10.242.0.2; second=$B; dst2=10.242.0.1
	else
		first=$B; dst1=10.242.0.1; second=$A; dst2=10.242.0.2
	fi
	t0=$(now_ms)
	if wait_for 10 pings "$first" "$dst1"; then
		ok "case $n: IPv4 ping from the $init side ($(( $(now_ms) - t0 )) ms to the first answer)"
	else
		not_ok "case $n: IPv4 ping from the $init side"
		tail -n 30 "$D/a/hamd.log" "$D/wg-go.log"
	fi
	check "case $n: IPv4 ping from the other side" pings "$second" "$dst2"
	check "case $n: IPv6 ping hamd -> wireguard-go" \
	    wait_for 5 pings "$A" fd77:242::2
	check "case $n: IPv6 ping wireguard-go -> hamd" \
	    wait_for 5 pings "$B" fd77:242::1
	check "case $n: 1400-byte ping with DF set both ways" \
	    sh -c "ip netns exec $A ping -n -q -c 1 -W 2 -M do -s 1372 10.242.0.2 >/dev/null &&
	    ip netns exec $B ping -n -q -c 1 -W 2 -M do -s 1372 10.242.0.1 >/dev/null"

	hs=$(wg_field "$B" "$WGIF" latest-handshakes "$KA")
	check "case $n: wg shows a handshake with hamd's key, made in this case (at ${hs:-none})" \
	    [ "${hs:-0}" -ge "$t_start" ]

	# The capture ends before iperf3: it needs the handshake and some
	# data, not a few hundred megabytes.  dumpcap drops what it has not
	# yet written when told to stop, so first wait for the file to show
	# data messages.
	if [ -n "$TS_PID" ]; then
		wait_for 10 captured "$D/cap.pcapng" ||
		    log "no data message in the capture yet"
		kill -INT "$TS_PID"
		wait_for 10 dead "$TS_PID" || kill -KILL "$TS_PID"
		wait "$TS_PID" 2>/dev/null
		check_capture "$n" "$init" "$D/cap.pcapng"
	fi

	if [ -n "$HAS_IPERF" ]; then
		out=$(iperf "$B" 10.242.0.2 "$A")
		check "case $n: iperf3 hamd -> wireguard-go: ${out:-failed}" \
		    contains "$out" "Mbits/sec"
		out=$(iperf "$B" 10.242.0.2 "$A" -R)
		check "case $n: iperf3 wireguard-go -> hamd: ${out:-failed}" \
		    contains "$out" "Mbits/sec"
	fi

	tr=$(wg_field "$B" "$WGIF" transfer "$KA")
	rx=${tr%% *}; tx=${tr##* }
	check "case $n: wg counts bytes both ways (received $rx, sent $tx)" \
	    sh -c "[ '${rx:-0}' -gt 0 ] && [ '${tx:-0}' -gt 0 ]"
	if [ "$init" = hamd ]; then
		check "case $n: hamd logged its handshake as the initiator" \
		    grep -q 'peer wggo: handshake complete (initiator)' "$D/a/hamd.log"
	else
		check "case $n: hamd logged its handshake as the responder" \
		    grep -q 'peer wggo: handshake response sent' "$D/a/hamd.log"
	fi

	stop_pair
}

# ts_read FILE tshark-args...: read a capture with B's port decoded as
# WireGuard and both public keys known, so that tshark checks each mac1
ts_read() {
	f=$1; shift
	tshark -n -r "$f" -d "udp.port==$PORT_B,wg" \
	    -o "uat:wg_keys:\"Public\",\"$KA\"" \
	    -o "uat:wg_keys:\"Public\",\"$KB\"" "$@"
}

# check_capture N INIT FILE: tshark's reading of the outer traffic
check_capture() {
	if [ ! -s "$3" ]; then
		not_ok "case $1: tshark captured the outer traffic"
		return
	fi
	msgs=$(ts_read "$3" -Y wg -T fields \
	    -e ip.src -e wg.type -e wg.receiver_pubkey 2>/dev/null)
	printf '%s\n' "$msgs" > "$3.txt"
	for t in "1:handshake initiation" "2:handshake response" \
	    "4:transport data message"; do
		check "case $1: tshark dissects a ${t#*:} (type ${t%%:*})" \
		    sh -c "awk -F'\t' '\$2 == ${t%%:*}' '$3.txt' | grep -q ."
	done
	if [ "$2" = hamd ]; then want=$OUT_A; else want=$OUT_B; fi
	src=$(awk -F'\t' '$2 == 1 { print $1; exit }' "$3.txt")
	ninit=$(awk -F'\t' '$2 == 1' "$3.txt" | wc -l)
	check "case $1: the first initiation comes from the $2 side ($src, $ninit in all)" \
	    [ "$src" = "$want" ]
	# tshark checks each mac1 against the public keys it was given: its
	# own reading of whom every handshake message is for.
	nmac=$(awk -F'\t' -v a="$OUT_A" -v ka="$KA" -v kb="$KB" '
	    $2 == 1 || $2 == 2 { n++; if ($3 != ($1 == a ? kb : ka)) bad++ }
	    END { print (n > 0 && bad == 0) ? n : -(bad + 0) }' "$3.txt")
	check "case $1: tshark's mac1 check names the right receiver in every handshake message ($nmac)" \
	    [ "$nmac" -gt 0 ]
	if bad=$(ts_read "$3" \
	    -Y '_ws.malformed || _ws.expert.severity >= error' 2>"$3.err"); then
		check "case $1: tshark finds nothing malformed and no error${bad:+: $bad}" \
		    [ -z "$bad" ]
	else
		not_ok "case $1: tshark reads the capture: $(grep -v dangerous "$3.err")"
	fi
}

# --- preshared keys that differ -------------------------------------------

# peer_num DIR KEY: a number hamctl -j peers shows for hamd's one peer
# (what follows the peers, from "engine" on, repeats some keys)
peer_num() {
	hamctl_in "$1" -j peers | sed 's/"engine":.*//' |
	    sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
# Each side has answered the other and refused what came back: hamd
# answered an initiation and wireguard-go said the answer was invalid,
# and hamd dropped a response to its own initiation for a bad MAC.
refused_both_ways() {
	grep -q 'peer wggo: handshake response sent' "$D/a/hamd.log" &&
	    grep -q 'Received invalid response message' "$D/wg-go.log" &&
	    [ "$(peer_num "$D/a" bad_mac)" -ge 1 ]
}
no_handshake_hamd() {
	[ "$(peer_num "$D/a" handshakes)" = 0 ] &&
	    [ "$(peer_num "$D/a" latest_handshake)" = 0 ] &&
	    hamctl_in "$D/a" peers | grep -q 'latest handshake: never'
}
no_handshake_wg() {
	[ "$(wg_field "$B" "$WGIF" latest-handshakes "$KA")" = 0 ]
}
handshake_both() {
	[ "$(peer_num "$D/a" handshakes)" -ge 1 ] &&
	    [ "$(peer_num "$D/a" latest_handshake)" -ge "$t_start" ] &&
	    [ "$(wg_field "$B" "$WGIF" latest-handshakes "$KA")" -ge "$t_start" ]
}

# run_psk_mismatch N: both sides initiate (keepalives every second),
# with preshared keys that differ, then with the same one.
run_psk_mismatch() {
	n=$1
	start_pair "$n" both "different preshared keys, both initiate" no \
	    psk psk2 1 || return
	if wait_for 20 refused_both_ways; then
		ok "case $n: each side answered the other and refused the answer"
	else
		not_ok "case $n: each side answered the other and refused the answer"
		tail -n 30 "$D/a/hamd.log" "$D/wg-go.log"
	fi
	check "case $n: hamd shows no handshake ($(peer_num "$D/a" handshakes), latest $(peer_num "$D/a" latest_handshake))" \
	    no_handshake_hamd
	check "case $n: wireguard-go shows no handshake" no_handshake_wg
	check "case $n: no ping gets through" \
	    sh -c "! ip netns exec $A ping -n -q -c 1 -W 1 10.242.0.2 >/dev/null"

	ip netns exec "$B" wg set "$WGIF" peer "$KA" preshared-key "$D/psk"
	check "case $n: with the same key both show a handshake" \
	    wait_for 20 handshake_both
	check "case $n: IPv4 ping both ways" \
	    sh -c "ip netns exec $A ping -n -q -c 1 -W 2 10.242.0.2 >/dev/null &&
	    ip netns exec $B ping -n -q -c 1 -W 2 10.242.0.1 >/dev/null"
	stop_pair
}

WGGO=$(command -v wireguard-go)
WGGO_NAME="$("$WGGO" --version | sed -n 's/^wireguard-go \(v[^ ]*\).*/\1/p')"
run_case 1 hamd no
run_case 2 wg no
run_case 3 hamd yes
run_case 4 wg yes
run_psk_mismatch 5

for WGGO in "${WG_REFERENCE:-}" \
    "$top_srcdir/../shared/anchors/wireguard-go/wireguard-go" \
    "$top_srcdir/../../shared/anchors/wireguard-go/wireguard-go" ""; do
	[ -n "$WGGO" ] && [ -x "$WGGO" ] && break
done
if [ -n "$WGGO" ]; then
	WGGO_NAME="$("$WGGO" --version | sed -n 's/^wireguard-go \(v[^ ]*\).*/\1/p')"
	run_case 6 hamd no
	run_case 7 wg no
	run_case 8 hamd yes
	run_case 9 wg yes
	run_psk_mismatch 10
else
	log "no reference wireguard-go (../shared/anchors): cases 6-10 not run"
fi
finish
