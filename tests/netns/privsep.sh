#!/bin/sh
# Privilege separation: what each process may do, and that the death of
# any of them ends the whole daemon.
. "$(dirname "$0")/lib.sh"
require_root
mktmp
NS="hamd-ps-$$"
netns_add "$NS"
write_conf "$T_TMP"
NOBODY=$(id -u nobody)

start_hamd "$NS" "$T_TMP"
if ! wait_for 10 hamd_ready "$T_TMP"; then
	cat "$T_TMP/hamd.log"
	not_ok "hamd starts and answers status"
	finish; exit
fi
ok "hamd starts and answers status"

# --- confinement, read from /proc ------------------------------------------
for name in control engine tun; do
	pid=$(proc_pid "$T_TMP" $name)
	st=/proc/$pid/status
	check "$name: runs as nobody" \
	    [ "$(status_field $st Uid)" = "$NOBODY	$NOBODY	$NOBODY	$NOBODY" ]
	check "$name: no supplementary groups" \
	    [ "$(status_field $st Groups | tr -d ' ')" = "$(id -g nobody)" ]
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		check "$name: $set empty" \
		    [ "$(status_field $st $set)" = 0000000000000000 ]
	done
	check "$name: NoNewPrivs 1" [ "$(status_field $st NoNewPrivs)" = 1 ]
	check "$name: Seccomp 2 (filter)" [ "$(status_field $st Seccomp)" = 2 ]
	check "$name: root is the empty chroot" \
	    [ "$(readlink /proc/$pid/root)" = "$T_TMP/state/empty" ]
	check "$name: child of the parent" \
	    [ "$(status_field $st PPid)" = "$HAMD_PID" ]
	check_title "$pid" "hamd: $name"
done
st=/proc/$HAMD_PID/status
# CAP_NET_ADMIN (12), CAP_NET_BIND_SERVICE (10, the member-name
# responder on port 53) and CAP_KILL (5): 0x1420, nothing else
for set in CapPrm CapEff CapBnd; do
	check "parent: $set is CAP_NET_ADMIN+CAP_NET_BIND_SERVICE+CAP_KILL only" \
	    [ "$(status_field $st $set)" = 0000000000001420 ]
done
check "parent: CapInh and CapAmb empty" \
    [ "$(status_field $st CapInh)$(status_field $st CapAmb)" = 00000000000000000000000000000000 ]
check "parent: NoNewPrivs 1" [ "$(status_field $st NoNewPrivs)" = 1 ]
check "parent: Seccomp 2 (filter)" [ "$(status_field $st Seccomp)" = 2 ]
check "state directory is 0700" [ "$(stat -c %a "$T_TMP/state")" = 700 ]
check "node key created with mode 0600" \
    [ "$(stat -c %a "$T_TMP/state/private.key")" = 600 ]
check "status shows the key in the file" \
    [ "$(hamctl_in "$T_TMP" -j status | sed -n 's/.*"public_key":"\([^"]*\)".*/\1/p')" = \
      "$("$HAMCTL" pubkey "$T_TMP/state/private.key")" ]
stop_hamd "$HAMD_PID"
check "SIGTERM stops hamd" dead "$HAMD_PID"
check "socket removed on stop" [ ! -e "$T_TMP/hamd.sock" ]
check "stop is audited" grep -q 'audit: event=stop' "$T_TMP/hamd.log"

# --- a child that does not exit at shutdown is killed after the grace -------
start_hamd "$NS" "$T_TMP"
if wait_for 10 hamd_ready "$T_TMP"; then
	epid=$(proc_pid "$T_TMP" engine)
	kill -STOP "$epid"
	kill -TERM "$HAMD_PID"
	check "a stopped engine: hamd still stops within 3 s" \
	    wait_for 3 dead "$HAMD_PID"
	check "... after killing the engine (the parent's filter allows SIGKILL)" \
	    grep -q "engine (pid $epid) did not exit; killing it" "$T_TMP/hamd.log"
	check "... which is gone" wait_for 2 dead "$epid"
	wait "$HAMD_PID" 2>/dev/null
else
	not_ok "restart for the stopped engine"
fi

# --- the death of any process ends them all within two seconds -------------
for victim in control engine tun parent; do
	start_hamd "$NS" "$T_TMP"
	if ! wait_for 10 hamd_ready "$T_TMP"; then
		not_ok "restart for $victim"; continue
	fi
	pids="$HAMD_PID $(proc_pid "$T_TMP" control) $(proc_pid "$T_TMP" engine) $(proc_pid "$T_TMP" tun)"
	if [ $victim = parent ]; then vpid=$HAMD_PID; else vpid=$(proc_pid "$T_TMP" $victim); fi
	t0=$(now_ms)
	kill -KILL "$vpid"
	if wait_for 2 all_dead $pids; then
		ok "SIGKILL of $victim: all hamd processes gone in $(( $(now_ms) - t0 )) ms"
	else
		not_ok "SIGKILL of $victim: processes left: $(for p in $pids; do alive $p && echo $p; done)"
	fi
	wait "$HAMD_PID" 2>/dev/null
	if [ $victim != parent ]; then
		check "log names $victim and SIGKILL" \
		    grep -q "$victim (pid $vpid) was killed by signal SIGKILL" "$T_TMP/hamd.log"
		check "child death audited" \
		    grep -q "audit: event=child-death proc=$victim pid=$vpid signal=SIGKILL" "$T_TMP/hamd.log"
	fi
	rm -f "$T_TMP/hamd.sock"
done

# --- the sandbox kills a process that breaks it ------------------------------
# No child may make memory executable (tun alone may mprotect, for
# libsodium); the parent opens files only to read them.
if hooks "a process breaking its seccomp filter"; then
	seccomp_kills hamd "$NS" "$T_TMP" "$T_TMP/hamd.log" "$T_TMP/hamd.sock" \
	    control engine tun control:mmap-exec engine:mmap-exec \
	    tun:mmap-exec tun:mprotect-exec parent parent:open-write
	start_hamd "$NS" "$T_TMP"
	check "hamd starts over the socket a killed parent left" \
	    wait_for 10 hamd_ready "$T_TMP"
	check "... and stops" stop_hamd "$HAMD_PID"
fi
finish
