#!/bin/sh
# A process of hamd killed while traffic flows, and the service
# manager's restart, which this test plays: for each child (and the
# parent) in turn, SIGKILL while B pings A through the tunnel, then
# SIGSEGV of tun and of the parent (signals that dump core); hamd
# must end cleanly (every process gone, the parent's exit a status, not
# a signal), leave no core file anywhere, and, started again, carry
# traffic both ways.  A core file could hold key material: the
# children run as nobody and must be non-dumpable (their /proc/PID
# files then belong to root), and the test raises the core size limit and
# runs the parent from a directory of its own, so that a core dumped by
# any of them where the kernel puts cores would be found.
. "$(dirname "$0")/lib.sh"
require_root
mktmp
A="hamd-ra-$$"; B="hamd-rb-$$"
netns_add "$A"; netns_add "$B"
link_pair "$A" "$B" 192.168.244.1/24 192.168.244.2/24
for n in a b; do
	mkdir -p "$T_TMP/$n"; chmod 755 "$T_TMP/$n"; mkdir -m 700 "$T_TMP/$n/state"
	"$HAMCTL" genkey "$T_TMP/$n/state/private.key"
done
(umask 077; head -c 32 /dev/urandom | base64 > "$T_TMP/psk")
KA=$(pubkey_of "$T_TMP/a"); KB=$(pubkey_of "$T_TMP/b")
write_conf "$T_TMP/a" 'address 10.244.0.1/24' 'listen-port 51840' \
    "peer \"b\" {" "public-key \"$KB\"" "preshared-key \"$T_TMP/psk\"" \
    "endpoint \"192.168.244.2:51841\"" 'allowed-ips 10.244.0.2/32' '}'
write_conf "$T_TMP/b" 'address 10.244.0.2/24' 'listen-port 51841' \
    "peer \"a\" {" "public-key \"$KA\"" "preshared-key \"$T_TMP/psk\"" \
    "endpoint \"192.168.244.1:51840\"" 'allowed-ips 10.244.0.1/32' '}'
NOBODY=$(id -u nobody)

# Where a core would go: the crashing process's directory for a plain
# name (the parent's: ours below; a child's: its chroot, in $T_TMP), a
# directory for a path; a pipe hands it to a program we cannot see.
if ulimit -c unlimited 2>/dev/null; then
	log "core size limit: unlimited"
else
	log "core size limit stays $(ulimit -c): cores are less likely"
fi
PATTERN=$(cat /proc/sys/kernel/core_pattern)
case $PATTERN in
\|*)	CORE_DIR=""; log "core_pattern pipes to ${PATTERN#|}: the non-dumpable checks carry the proof" ;;
/*)	CORE_DIR=$(dirname "$PATTERN") ;;
*)	CORE_DIR="" ;;
esac
touch "$T_TMP/start"
mkdir "$T_TMP/cwd"
cd "$T_TMP/cwd" || exit 1

# cores: core files made since the test began, where any could be.
cores() {
	find "$T_TMP" -name 'core*' -type f 2>/dev/null
	[ -n "$CORE_DIR" ] && [ -d "$CORE_DIR" ] &&
	    find "$CORE_DIR" -maxdepth 1 -type f -newer "$T_TMP/start" 2>/dev/null
}

start_b() {
	start_hamd "$B" "$T_TMP/b"
	PB=$HAMD_PID
}
start_a() {
	start_hamd "$A" "$T_TMP/a"
	PA=$HAMD_PID
	wait_for 10 hamd_ready "$T_TMP/a"
}
start_b
if ! start_a || ! wait_for 10 hamd_ready "$T_TMP/b"; then
	cat "$T_TMP/a/hamd.log" "$T_TMP/b/hamd.log"
	not_ok "both nodes start"; finish; exit
fi
ok "both nodes start"

# B pings A for the whole test: the traffic each kill interrupts.
ip netns exec "$B" ping -q -i 0.2 10.244.0.1 >/dev/null 2>&1 &
track_pid $!

# nondumpable PID: runs as nobody, and its /proc/PID/mem is root's,
# which the kernel does only for a process that may not dump core.
nondumpable() {
	[ "$(status_field "/proc/$1/status" Uid | cut -f1)" = "$NOBODY" ] &&
	    [ "$(stat -c %u "/proc/$1/mem")" = 0 ]
}

after="the first start"
for round in control:KILL engine:KILL tun:KILL parent:KILL tun:SEGV parent:SEGV; do
	victim=${round%:*}; sig=${round#*:}
	t0=$(now_ms)
	if wait_for 15 pings "$A" 10.244.0.2 && wait_for 15 pings "$B" 10.244.0.1; then
		ok "after $after: traffic both ways ($(( $(now_ms) - t0 )) ms)"
	else
		not_ok "after $after: traffic both ways"
		tail -n 20 "$T_TMP/a/hamd.log" "$T_TMP/b/hamd.log"
	fi
	pids=$PA
	for c in control engine tun; do
		pid=$(proc_pid "$T_TMP/a" $c)
		pids="$pids $pid"
		[ $victim = $c ] && vpid=$pid
		check "$c (pid $pid) is non-dumpable" nondumpable "$pid"
	done
	[ $victim = parent ] && vpid=$PA
	kill -"$sig" "$vpid"
	if wait_for 5 all_dead $pids; then
		ok "SIG$sig of $victim: every hamd process is gone"
	else
		not_ok "SIG$sig of $victim: processes left: $(for p in $pids; do alive $p && echo $p; done)"
		# The service manager's stop: the wait below must end.
		kill -KILL $pids 2>/dev/null
	fi
	wait "$PA"; rc=$?
	if [ $victim = parent ]; then
		case $sig in KILL) want=137 ;; SEGV) want=139 ;; esac
		check "SIG$sig of the parent: it died of it ($rc)" [ $rc = "$want" ]
	else
		check "SIG$sig of $victim: the parent exits with status 1 ($rc)" [ $rc = 1 ]
		check "SIG$sig of $victim: the log names it" \
		    grep -q "$victim (pid $vpid) was killed by signal SIG$sig" "$T_TMP/a/hamd.log"
	fi
	check "SIG$sig of $victim: no core file anywhere ($(cores | tr '\n' ' '))" \
	    [ -z "$(cores)" ]
	check "B lives on" alive "$PB"
	rm -f "$T_TMP/a/hamd.sock"
	# The service manager starts it again.
	if ! start_a; then
		not_ok "hamd starts again after SIG$sig of $victim"
		tail -n 20 "$T_TMP/a/hamd.log"
		finish; exit
	fi
	after="SIG$sig of $victim and a restart"
done
t0=$(now_ms)
if wait_for 15 pings "$A" 10.244.0.2 && wait_for 15 pings "$B" 10.244.0.1; then
	ok "after $after: traffic both ways ($(( $(now_ms) - t0 )) ms)"
else
	not_ok "after $after: traffic both ways"
fi
check "no fatal error but the deaths (B's log)" \
    sh -c "! grep -qi 'fatal' '$T_TMP/b/hamd.log'"
stop_hamd "$PA"; stop_hamd "$PB"
check "both stop cleanly" all_dead "$PA" "$PB"
check "still no core file anywhere" [ -z "$(cores)" ]
finish
