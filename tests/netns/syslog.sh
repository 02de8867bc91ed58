#!/bin/sh
# Without -d hamd daemonizes and logs to syslog: every process's lines
# arrive through the parent, and audit records carry facility authpriv.
# /dev/log is replaced, in a private mount namespace, by a socket this
# test reads; nothing of the machine's own logging is touched.
. "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3 for the syslog listener"
command -v unshare >/dev/null || skip "needs unshare (util-linux)"
mktmp
NS="hamd-log-$$"
netns_add "$NS"
write_conf "$T_TMP"

# A datagram listener standing in for syslogd.
python3 - "$T_TMP/log.sock" "$T_TMP/syslog.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "ab", buffering=0) as out:
    try:
        while True:
            out.write(s.recv(65536) + b"\n")
    except socket.timeout:
        pass
PY
track_pid $!
wait_for 5 test -S "$T_TMP/log.sock" || { not_ok "listener started"; finish; exit; }

# /dev may have no log socket to bind over: put a private /dev in place
# holding only what hamd needs (null for daemon(), net/tun for the
# device, log for syslog).
mkdir "$T_TMP/dev"
unshare --mount --propagation private sh -c "
	mount -t tmpfs none '$T_TMP/dev' &&
	mkdir '$T_TMP/dev/net' &&
	: > '$T_TMP/dev/null' && : > '$T_TMP/dev/log' &&
	: > '$T_TMP/dev/net/tun' &&
	mount --bind /dev/null '$T_TMP/dev/null' &&
	mount --bind /dev/net/tun '$T_TMP/dev/net/tun' &&
	mount --bind '$T_TMP/log.sock' '$T_TMP/dev/log' &&
	mount --rbind '$T_TMP/dev' /dev &&
	exec ip netns exec '$NS' '$HAMD' -f '$T_TMP/hamd.conf'
" >"$T_TMP/start.out" 2>&1
rc=$?
check "hamd without -d returns to the shell with status 0" [ $rc = 0 ]
if ! wait_for 10 hamd_ready "$T_TMP"; then
	cat "$T_TMP/start.out"
	not_ok "daemonized hamd answers status"; finish; exit
fi
ok "daemonized hamd answers status"
PARENT=$(proc_pid "$T_TMP" parent)
track_pid "$PARENT"
check "start audited at authpriv.notice (<85>)" \
    wait_for 5 grep -q '^<85>.*hamd\[[0-9]*\]: parent: audit: event=start' "$T_TMP/syslog.txt"
check "children's lines reach syslog through the parent" \
    wait_for 5 grep -q 'hamd\[[0-9]*\]: parent: node public key' "$T_TMP/syslog.txt"
hamctl_in "$T_TMP" log verbose >/dev/null
hamctl_in "$T_TMP" status >/dev/null	# a connection to log about
check "a child's debug line reaches syslog at daemon.debug (<31>)" \
    wait_for 5 grep -q '^<31>.*control: control client uid 0' "$T_TMP/syslog.txt"
check "control commands audited at authpriv.notice" \
    wait_for 5 grep -q '^<85>.*audit: event=log-level uid=0' "$T_TMP/syslog.txt"
kill -TERM "$PARENT"
check "SIGTERM stops the daemon" wait_for 5 dead "$PARENT"
check "stop audited" wait_for 5 grep -q '^<85>.*audit: event=stop' "$T_TMP/syslog.txt"
finish
