#!/bin/sh
# Privilege separation of the hub, with two hamd nodes logged in: what
# each hamhubd process may do and see (privsep.sh and keyiso.sh for
# hamd; the hub key, a network password and a node's relay token only
# where they belong), the modes of its files, who may use its control socket, and
# that the death of any process, or a child breaking its seccomp filter,
# ends the whole daemon cleanly while the nodes' tunnels live on.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp

S=hps-sw-$$
H=hps-h-$$
bridge_add "$S"
netns_add "$H"
bridge_join "$H" 10.79.0.1/24
for i in 1 2; do
	netns_add "hps-n$i-$$"
	bridge_join "hps-n$i-$$" "10.79.0.1$i/24"
done
ns() { echo "hps-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }
HD="$T_TMP/hub"
NOBODY=$(id -u nobody)
NOGROUP=$(id -g nobody)
MEMSCAN="$top_builddir/tests/tools/memscan"
POKE="$top_builddir/tests/tools/hubpoke"
as_nobody() { setpriv --reuid=nobody --regid="$NOGROUP" --clear-groups "$@"; }

# --- a process that breaks its seccomp filter is killed; the daemon stops ---
# First, before the nodes exist: each failed start would double their
# reconnect backoff (it starts over only after 30 s logged in).
mkdir -p "$HD"
write_hub_conf "$HD" 'listen on 10.79.0.1 port 7777'
# No child may make memory executable (authority alone may mprotect,
# for libsodium); the parent opens files only to read them.
if hooks "a process breaking its seccomp filter"; then
	seccomp_kills hamhubd "$H" "$HD" "$HD/hub.log" "$HD/hub.sock" \
	    control engine authority control:mmap-exec engine:mmap-exec \
	    authority:mmap-exec authority:mprotect-exec parent \
	    parent:open-write
fi

start_hub "$H" "$HD"
if ! wait_for 10 hub_ready "$HD"; then
	cat "$HD/hub.log"
	not_ok "hub starts without the hook"
	finish; exit
fi
ok "hub starts without the hook"
HUBKEY=$(hubctl "$HD" hub key)

# hub_pid NAME: pid of a hamhubd process as 'hamctl -j hub status' lists it
hub_pid() {
	hubctl "$HD" -j hub status |
	    sed -n "s/.*\"name\":\"$1\",\"pid\":\([0-9]*\).*/\1/p"
}
hub_pids() {
	echo "$(hub_pid parent) $(hub_pid control) $(hub_pid engine) $(hub_pid authority)"
}
node_offline() { ! node_online "$1"; }
# hub_online N: the running hub has N nodes online
hub_online() { hubctl "$HD" -j hub status 2>/dev/null | grep -q "\"online\":$1,"; }

for i in 1 2; do
	mkdir -p "$(dir "$i")"
	write_conf "$(dir "$i")" "hub \"10.79.0.1:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"node$i\""
	start_hamd "$(ns "$i")" "$(dir "$i")"
done
for i in 1 2; do
	check "node $i logs in" wait_for 15 node_online "$(dir "$i")"
done

# --- a tun that reports a public overlay: its parent sets none of it --------
# tun checks the hub's pools; a compromised one could skip that, and the
# parent, which sets addresses and routes as root, must not follow it.
if hooks "a tun that reports a public overlay"; then
	netns_add "$(ns 3)"
	bridge_join "$(ns 3)" 10.79.0.13/24
	mkdir -p "$(dir 3)"
	write_conf "$(dir 3)" "hub \"10.79.0.1:7777\" public-key \"$HUBKEY\"" \
	    'nickname "node3"'
	start_hamd "$(ns 3)" "$(dir 3)" HAMD_TEST_HOSTILE_OVERLAY=1
	N3=$HAMD_PID
	check "hostile tun: node 3 logs in" wait_for 15 node_online "$(dir 3)"
	check "hostile tun: the parent refuses the overlay, audited" \
	    wait_for 5 grep -q 'audit: event=overlay-refused reason=".*198\.51\.100\.7/24: outside' \
	    "$(dir 3)/hamd.log"
	check "hostile tun: no address on ham0" \
	    [ -z "$(ip -n "$(ns 3)" -o addr show dev ham0 scope global)" ]
	check "hostile tun: the public range is not routed into ham0" \
	    sh -c "! ip -n '$(ns 3)' route get 198.51.100.1 | grep -q ham0"
	check "hostile tun: hamctl status says why" \
	    contains "$(hamctl_in "$(dir 3)" status)" 'warning: .*198.51.100.7/24: outside'
	check "hostile tun: node 3 stops" stop_hamd "$N3"
	# A private pool so wide that it holds the hub: routed into the
	# tunnel, the way to the hub would be lost.
	start_hamd "$(ns 3)" "$(dir 3)" HAMD_TEST_HOSTILE_OVERLAY=2
	N3=$HAMD_PID
	check "hub-holding overlay: node 3 logs in" \
	    wait_for 15 node_online "$(dir 3)"
	check "hub-holding overlay: refused, audited" \
	    wait_for 5 grep -q "audit: event=overlay-refused reason=\".*10\.1\.2\.3/8 holds the hub's address 10\.79\.0\.1" \
	    "$(dir 3)/hamd.log"
	check "hub-holding overlay: the hub is not routed into ham0" \
	    sh -c "! ip -n '$(ns 3)' route get 10.79.0.1 | grep -q ham0"
	check "hub-holding overlay: node 3 stays logged in" \
	    node_online "$(dir 3)"
	check "hub-holding overlay: node 3 stops" stop_hamd "$N3"
fi

# --- the processes, read from /proc -----------------------------------------
procs=$(hubctl "$HD" -j hub status | grep -o '"name":"[a-z]*","pid":[0-9]*' |
    sed 's/"name":"\([a-z]*\)".*/\1/' | sort | tr '\n' ' ')
check "hub status lists parent, control, engine and authority" \
    [ "$procs" = "authority control engine parent " ]
check "the listed parent is the process we started" [ "$(hub_pid parent)" = "$HUB_PID" ]
for name in control engine authority; do
	pid=$(hub_pid $name)
	st=/proc/$pid/status
	if [ -z "$pid" ] || [ ! -r "$st" ]; then
		not_ok "$name: running (pid '$pid')"; continue
	fi
	check "$name: child of the parent" [ "$(status_field $st PPid)" = "$HUB_PID" ]
	check "$name: runs as the configured user (nobody)" \
	    [ "$(status_field $st Uid)" = "$NOBODY	$NOBODY	$NOBODY	$NOBODY" ]
	check "$name: only the user's group" \
	    [ "$(status_field $st Gid)|$(status_field $st Groups | tr -d ' ')" = \
	      "$NOGROUP	$NOGROUP	$NOGROUP	$NOGROUP|$NOGROUP" ]
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		check "$name: $set empty" \
		    [ "$(status_field $st $set)" = 0000000000000000 ]
	done
	check "$name: NoNewPrivs 1" [ "$(status_field $st NoNewPrivs)" = 1 ]
	check "$name: Seccomp 2 (filter)" [ "$(status_field $st Seccomp)" = 2 ]
	# The files under /proc/PID of a process that is not dumpable are
	# owned by root, and a process of the same user may not read them.
	check "$name: not dumpable (/proc/PID/mem owned by root)" \
	    [ "$(stat -c %u:%g /proc/$pid/mem)" = 0:0 ]
	check "$name: the same user cannot read its memory" \
	    sh -c "! setpriv --reuid=nobody --regid=$NOGROUP --clear-groups \
	    cat /proc/$pid/environ >/dev/null 2>&1"
	if [ $name = authority ]; then want="$HD/state/authority"; else want="$HD/state/empty"; fi
	check "$name: root is ${want#$T_TMP/}" [ "$(readlink /proc/$pid/root)" = "$want" ]
	check_title "$pid" "hamhubd: $name"
done
st=/proc/$HUB_PID/status
# CAP_KILL (5) only: 0x20
for set in CapPrm CapEff CapBnd; do
	check "parent: $set is CAP_KILL only" \
	    [ "$(status_field $st $set)" = 0000000000000020 ]
done
check "parent: CapInh and CapAmb empty" \
    [ "$(status_field $st CapInh)$(status_field $st CapAmb)" = 00000000000000000000000000000000 ]
check "parent: NoNewPrivs 1" [ "$(status_field $st NoNewPrivs)" = 1 ]
check "parent: Seccomp 2 (filter)" [ "$(status_field $st Seccomp)" = 2 ]
check "parent: runs as root" [ "$(status_field $st Uid)" = "0	0	0	0" ]

# --- files --------------------------------------------------------------------
mode() { stat -c '%a %U' "$1"; }
check "state directory: 0700 root" [ "$(mode "$HD/state")" = "700 root" ]
check "hub.key: 0600 root" [ "$(mode "$HD/state/hub.key")" = "600 root" ]
check "authority chroot: root, writable by root only" \
    [ "$(stat -c '%U %A' "$HD/state/authority")" = "root drwxr-xr-x" ]
check "authority/data: 0700 owned by the hub user" \
    [ "$(mode "$HD/state/authority/data")" = "700 nobody" ]
check "the empty chroot is empty" [ -z "$(ls -A "$HD/state/empty")" ]
for f in hub.db hub.db-wal hub.db-shm; do
	check "$f: 0600 owned by the hub user" \
	    [ "$(mode "$HD/state/authority/data/$f")" = "600 nobody" ]
done

# --- a network with a known password ----------------------------------------
PW="hps-$$-Secret-Pw"
check "node 1 creates a network" \
    sh -c "printf '%s\n' '$PW' | '$HAMCTL' -s '$(dir 1)/hamd.sock' create psnet >/dev/null"
check "node 2 joins it" \
    sh -c "printf '%s\n' '$PW' | '$HAMCTL' -s '$(dir 2)/hamd.sock' join psnet >/dev/null"
V4_1=$(overlay_v4 "$(ns 1)"); V4_2=$(overlay_v4 "$(ns 2)")
reach() { pings "$(ns "$1")" "$(eval echo \$V4_$2)"; }
check "node 1 reaches node 2 over the overlay" wait_for 10 reach 1 2

# --- key isolation, while requests and traffic flow -----------------------
hex() { od -An -tx1 | tr -d ' \n'; }
PRIV=$(base64 -d < "$HD/state/hub.key" | hex)
PWHEX=$(printf '%s' "$PW" | hex)
rx_frames() { hubctl "$HD" -j hub status | sed -n 's/.*"rx_frames":\([0-9]*\).*/\1/p'; }
RX0=$(rx_frames)
(
	while [ ! -e "$T_TMP/stop" ]; do
		hamctl_in "$(dir 1)" members psnet >/dev/null 2>&1
		hamctl_in "$(dir 2)" networks >/dev/null 2>&1
	done
) &
LOOP=$!; track_pid $LOOP
ip netns exec "$(ns 1)" ping -q -i 0.05 -c 400 "$V4_2" >/dev/null 2>&1 &
PING=$!; track_pid $PING

# A live relay token: a node (hubpoke) logs in, registers its UDP socket
# through the engine and says what its token is.  The authority checks
# registrations with it; the engine, which passed the REGISTER on, must
# never have seen it.
ip netns exec "$(ns 1)" "$POKE" 10.79.0.1 7777 relayhold 120 "$HUBKEY" \
    >"$T_TMP/hold.out" 2>&1 &
HOLD=$!; track_pid $HOLD
token_known() { grep -q '^relayhold: id=[0-9]* token=[0-9a-f]*$' "$T_TMP/hold.out"; }
check "a node holds a live relay token, registered" wait_for 10 token_known
TOKEN=$(sed -n 's/^relayhold: id=[0-9]* token=\([0-9a-f]*\)$/\1/p' "$T_TMP/hold.out")
TOKEN=${TOKEN:-00}

out=$("$MEMSCAN" "$(hub_pid authority)" "$PRIV" "$PWHEX" "$TOKEN")
check "authority holds the hub's private key (the scan works)" \
    contains "$out" "$PRIV found"
check "authority holds the node's relay token (the scan works)" \
    contains "$out" "$TOKEN found"
check "authority: the password is wiped once hashed" contains "$out" "$PWHEX absent"
for who in engine control parent; do
	pid=$(hub_pid $who)
	out=$("$MEMSCAN" "$pid" "$PRIV" "$PWHEX" "$TOKEN"); rc=$?
	check "$who: memory readable" [ $rc = 0 ]
	check "$who: no hub private key" contains "$out" "$PRIV absent"
	check "$who: no network password" contains "$out" "$PWHEX absent"
	check "$who: no relay token" contains "$out" "$TOKEN absent"
done
kill -TERM $HOLD 2>/dev/null
wait $HOLD
check "the node held its session throughout" grep -q '^relayhold: ok$' "$T_TMP/hold.out"
# The same scan finds the password in a process that holds it.
env HPS_PW="$PW" sleep 30 &
HOLDER=$!; track_pid $HOLDER
# Scan once it runs sleep, with the environment in place.
wait_for 5 grep -q '^sleep' "/proc/$HOLDER/cmdline"
check "the scan finds the password where it is" \
    contains "$("$MEMSCAN" $HOLDER "$PWHEX")" "$PWHEX found"
kill $HOLDER
touch "$T_TMP/stop"
wait $LOOP
rx_grew() { [ "$(rx_frames)" -gt "$RX0" ]; }
# The engine reports its counters once a second.
check "requests flowed through the engine during the scans" wait_for 3 rx_grew
kill $PING 2>/dev/null; wait $PING 2>/dev/null

# --- who may use the control socket ---------------------------------------
denied() {	# denied ARGS...: nobody gets "permission denied"
	out=$(as_nobody "$HAMCTL" -s "$HD/hub.sock" "$@" 2>&1)
	[ $? = 1 ] && contains "$out" 'permission denied'
}
allowed() { as_nobody "$HAMCTL" -s "$HD/hub.sock" "$@" >/dev/null 2>&1; }
for c in "hub block 192.0.2.0/24" "hub unblock 192.0.2.0/24" reload "log verbose"; do
	# shellcheck disable=SC2086
	check "nobody: $c is denied" denied $c
done
check "denial audited with the caller's uid" \
    grep -q "audit: event=control-denied uid=$NOBODY .*command=\"hub block\"" "$HD/hub.log"
for c in "hub status" "hub nodes" "hub networks" "hub blocks"; do
	# shellcheck disable=SC2086
	check "read-access admins: nobody: $c is denied" denied $c
done
check "root blocks a range" sh -c "'$HAMCTL' -s '$HD/hub.sock' hub block 192.0.2.0/24 >/dev/null"
check "root lists it" sh -c "'$HAMCTL' -s '$HD/hub.sock' hub blocks | grep -q 192.0.2.0/24"
write_hub_conf "$HD" 'listen on 10.79.0.1 port 7777' 'read-access all'
check "root reloads with read-access all" sh -c "'$HAMCTL' -s '$HD/hub.sock' reload >/dev/null"
for c in "hub status" "hub nodes" "hub networks" "hub blocks"; do
	# shellcheck disable=SC2086
	check "read-access all: nobody: $c is allowed" allowed $c
done
check "read-access all: nobody sees the block" \
    sh -c "setpriv --reuid=nobody --regid=$NOGROUP --clear-groups \
    '$HAMCTL' -s '$HD/hub.sock' hub blocks | grep -q 192.0.2.0/24"
check "read-access all: nobody: hub block is still denied" denied hub block 198.51.100.0/24
check "read-access all: nobody: hub unblock is still denied" denied hub unblock 192.0.2.0/24
check "root unblocks the range" sh -c "'$HAMCTL' -s '$HD/hub.sock' hub unblock 192.0.2.0/24 >/dev/null"
write_hub_conf "$HD" 'listen on 10.79.0.1 port 7777'
hubctl "$HD" reload >/dev/null
check "back to read-access admins: nobody: hub status is denied" denied hub status

# --- the death of any process ends them all; tunnels live on ---------------
for victim in control engine authority parent; do
	pids=$(hub_pids)
	if [ "$(echo $pids | wc -w)" != 4 ]; then
		not_ok "SIGKILL of $victim: four hub processes to start from ($pids)"
		continue
	fi
	vpid=$(hub_pid $victim)
	t0=$(now_ms)
	kill -KILL "$vpid"
	# shellcheck disable=SC2086
	if wait_for 3 all_dead $pids; then
		ok "SIGKILL of $victim: all hub processes gone in $(( $(now_ms) - t0 )) ms"
	else
		not_ok "SIGKILL of $victim: left: $(for p in $pids; do alive $p && echo $p; done)"
	fi
	wait "$HUB_PID" 2>/dev/null; rc=$?
	check "SIGKILL of $victim: nothing left in the hub's namespace" ns_empty "$H"
	if [ $victim != parent ]; then
		check "SIGKILL of $victim: hamhubd exits with status 1" [ $rc = 1 ]
		check "SIGKILL of $victim: log names it and the signal" \
		    grep -q "$victim (pid $vpid) was killed by signal SIGKILL" "$HD/hub.log"
		check "SIGKILL of $victim: child death and stop audited" \
		    sh -c "grep -q 'audit: event=child-death proc=$victim pid=$vpid signal=SIGKILL' '$HD/hub.log' &&
		    grep -q 'audit: event=stop pid=$HUB_PID reason=child-death' '$HD/hub.log'"
		check "SIGKILL of $victim: control socket removed" [ ! -e "$HD/hub.sock" ]
	fi
	check "hub down after $victim: node 1 sees it gone" wait_for 3 node_offline "$(dir 1)"
	check "hub down after $victim: node 1 still reaches node 2" reach 1 2
	check "hub down after $victim: node 2 still reaches node 1" reach 2 1
	start_hub "$H" "$HD"
	check "hub restarts after the death of $victim" wait_for 10 hub_ready "$HD"
	# Backoff doubles across quick restarts (up to 16 s + 25% jitter).
	check "both nodes log in again after the death of $victim" wait_for 30 hub_online 2
done
check "the network survived every restart" \
    sh -c "'$HAMCTL' -s '$HD/hub.sock' hub networks | grep -q psnet"
check "node 1 still reaches node 2" reach 1 2

finish
