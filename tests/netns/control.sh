#!/bin/sh
# The control socket: who may do what, reload, log levels, hostile input,
# and the daemon's start-up checks.
. "$(dirname "$0")/lib.sh"
require_root
mktmp
NS="hamd-ctl-$$"
netns_add "$NS"
CTLSEND="$top_builddir/tests/tools/ctlsend"
NOBODY=$(id -u nobody)
as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }

# --- start-up checks ---------------------------------------------------------
write_conf "$T_TMP"
out=$("$HAMD" -n -f "$T_TMP/hamd.conf" 2>&1)
check "-n accepts a good file" [ "$out" = "configuration OK" ]
write_conf "$T_TMP" 'mtu 99'
out=$("$HAMD" -n -f "$T_TMP/hamd.conf" 2>&1); rc=$?
check "-n rejects a bad file with status 1" [ $rc = 1 ]
check "-n names file, line and what was expected" \
    contains "$out" 'hamd.conf:5: .*1280'

# A peer key of small order, a point of order 8 (not all zeros): refused
# at load, for every Diffie-Hellman with it would be no secret.
write_conf "$T_TMP" 'peer "bad" {' \
    'public-key "4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA="' \
    'allowed-ips 10.9.9.9/32' '}'
out=$("$HAMD" -n -f "$T_TMP/hamd.conf" 2>&1); rc=$?
check "-n refuses a peer key of small order with status 1" [ $rc = 1 ]
check "... naming the line and why" \
    contains "$out" 'hamd.conf:6: public-key of peer "bad" is a point of small order'

CONF_USER=hamd_no_such_user write_conf "$T_TMP"
ip netns exec "$NS" "$HAMD" -d -f "$T_TMP/hamd.conf" >"$T_TMP/out" 2>&1; rc=$?
check "a missing user is a clear start-up error" \
    sh -c "[ $rc = 1 ] && grep -q 'hamd_no_such_user.*does not exist: create it' '$T_TMP/out'"

write_conf "$T_TMP"
mkdir -p -m 700 "$T_TMP/state"
"$HAMCTL" genkey "$T_TMP/state/private.key"
chmod 644 "$T_TMP/state/private.key"
ip netns exec "$NS" "$HAMD" -d -f "$T_TMP/hamd.conf" >"$T_TMP/out" 2>&1; rc=$?
check "a key file others can read is refused" \
    sh -c "[ $rc = 1 ] && grep -q 'chmod 600' '$T_TMP/out'"
chmod 600 "$T_TMP/state/private.key"

# --- keys, checked against wireguard-tools ---------------------------------
"$HAMCTL" genkey "$T_TMP/k1"
check "genkey writes mode 0600" [ "$(stat -c %a "$T_TMP/k1")" = 600 ]
check "genkey never overwrites" sh -c "! '$HAMCTL' genkey '$T_TMP/k1' 2>/dev/null"
if command -v wg >/dev/null; then
	check "pubkey of a file matches wg pubkey" \
	    [ "$("$HAMCTL" pubkey "$T_TMP/k1")" = "$(wg pubkey < "$T_TMP/k1")" ]
	(umask 077; wg genkey > "$T_TMP/k2")
	check "pubkey of a wg genkey key on stdin matches wg pubkey" \
	    [ "$("$HAMCTL" pubkey < "$T_TMP/k2")" = "$(wg pubkey < "$T_TMP/k2")" ]
	check "genkey to stdout is a key wg accepts" \
	    sh -c "'$HAMCTL' genkey | wg pubkey >/dev/null"
else
	not_ok "wireguard-tools (wg) installed"
fi
out=$(echo "not a key" | "$HAMCTL" pubkey 2>&1); rc=$?
check "pubkey rejects garbage" [ $rc = 1 ]
check "... saying what it expected" contains "$out" '44 characters of base64'

# --- who may do what -----------------------------------------------------------
start_hamd "$NS" "$T_TMP"
wait_for 10 hamd_ready "$T_TMP" || { cat "$T_TMP/hamd.log"; not_ok "hamd starts"; finish; exit; }
ok "hamd starts with an existing key"
check "status shows the existing key" \
    sh -c "hamctl_in() { '$HAMCTL' -s '$T_TMP/hamd.sock' \"\$@\"; }; '$HAMCTL' -s '$T_TMP/hamd.sock' status | grep -q \"\$('$HAMCTL' pubkey '$T_TMP/state/private.key')\""

out=$(as_nobody "$HAMCTL" -s "$T_TMP/hamd.sock" reload 2>&1); rc=$?
check "unprivileged reload fails with status 1" [ $rc = 1 ]
check "unprivileged reload says permission denied" \
    contains "$out" 'permission denied'
check "denial audited with the caller's uid" \
    grep -q "audit: event=control-denied uid=$NOBODY .*command=\"reload\"" "$T_TMP/hamd.log"
out=$(hamctl_in "$T_TMP" reload 2>&1); rc=$?
check "root reload succeeds" [ $rc = 0 ]
check "root reload says so" contains "$out" 'configuration reloaded'
check "root reload audited" \
    grep -q 'audit: event=reload uid=0 .*result=ok' "$T_TMP/hamd.log"
out=$(as_nobody "$HAMCTL" -s "$T_TMP/hamd.sock" status 2>&1); rc=$?
check "unprivileged status is denied by default" \
    [ $rc = 1 ]
check "... with permission denied" contains "$out" 'permission denied'

write_conf "$T_TMP" "read-access all"
hamctl_in "$T_TMP" reload >/dev/null
check "read-access all lets others read" \
    sh -c "setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups '$HAMCTL' -s '$T_TMP/hamd.sock' status >/dev/null"
check "... but not change anything" \
    sh -c "! setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups '$HAMCTL' -s '$T_TMP/hamd.sock' log verbose 2>/dev/null"
out=$(as_nobody "$HAMCTL" -s "$T_TMP/hamd.sock" route masquerade 192.168.50.0/24 on 2>&1)
check "... nor ask for masquerade" contains "$out" 'permission denied'
check "... audited" grep -q "audit: event=control-denied uid=$NOBODY .*command=\"masquerade\"" "$T_TMP/hamd.log"
write_conf "$T_TMP" "admin-group \"$(id -gn nobody)\""
hamctl_in "$T_TMP" reload >/dev/null
check "a member of admin-group may reload" \
    sh -c "setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups '$HAMCTL' -s '$T_TMP/hamd.sock' reload >/dev/null"
check "... and that is audited with its uid" \
    grep -q "audit: event=reload uid=$NOBODY .*result=ok" "$T_TMP/hamd.log"

# --- reload keeps the running configuration on errors ---------------------------------
write_conf "$T_TMP" "read-access all"
hamctl_in "$T_TMP" reload >/dev/null
printf 'mtu 1420\nnot-a-keyword yes\n' >> "$T_TMP/hamd.conf"
out=$(hamctl_in "$T_TMP" reload 2>&1); rc=$?
check "broken reload fails" [ $rc = 1 ]
check "broken reload says the running configuration is kept" \
    contains "$out" 'running configuration is kept'
check "the log names the bad line" grep -q 'hamd.conf:7: unknown keyword "not-a-keyword"' "$T_TMP/hamd.log"
check "the rejection is audited" grep -q 'audit: event=reload uid=0 .*result=rejected' "$T_TMP/hamd.log"
check "still running with the old configuration (read-access all)" \
    sh -c "setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups '$HAMCTL' -s '$T_TMP/hamd.sock' status >/dev/null"
write_conf "$T_TMP"
kill -HUP "$HAMD_PID"
check "SIGHUP reloads (audited)" wait_for 5 grep -q 'audit: event=reload uid=0 via=SIGHUP result=ok' "$T_TMP/hamd.log"
check "... and applies the file (read-access admins again)" \
    wait_for 5 sh -c "! setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups '$HAMCTL' -s '$T_TMP/hamd.sock' status 2>/dev/null"

# --- log levels ------------------------------------------------------------------
hamctl_in "$T_TMP" log verbose >/dev/null
check "log verbose shows in status" sh -c "'$HAMCTL' -s '$T_TMP/hamd.sock' -j status | grep -q '\"log\":\"verbose\"'"
check "log verbose reaches the children" \
    wait_for 5 grep -q 'control: control client uid 0' "$T_TMP/hamd.log"
hamctl_in "$T_TMP" log brief >/dev/null
check "log brief" sh -c "'$HAMCTL' -s '$T_TMP/hamd.sock' -j status | grep -q '\"log\":\"brief\"'"
check "log level changes audited" grep -q 'audit: event=log-level uid=0 .*level=brief' "$T_TMP/hamd.log"
out=$(hamctl_in "$T_TMP" log loud 2>&1); rc=$?
check "log with a bad level fails" [ $rc = 1 ]
check "... with its usage" contains "$out" 'usage: hamctl log brief|verbose'

# --- JSON --------------------------------------------------------------------------
if command -v python3 >/dev/null; then
	for cmd in status help; do
		check "-j $cmd is valid JSON" sh -c "'$HAMCTL' -s '$T_TMP/hamd.sock' -j $cmd | python3 -m json.tool >/dev/null"
	done
fi

# --- hostile input: each closes that connection, hamd goes on ---------------------------
hostile() {	# description, expected answer, ctlsend args...
	d=$1; want=$2; shift 2
	got=$("$CTLSEND" "$T_TMP/hamd.sock" "$@" 2>&1)
	check "$d: $want (got $got)" [ "$got" = "$want" ]
	check "$d: hamd still answers" hamd_ready "$T_TMP"
}
head -c 4096 /dev/urandom > "$T_TMP/garbage"
hostile "4 KiB of random bytes" closed raw < "$T_TMP/garbage"
head -c 1048576 /dev/urandom > "$T_TMP/garbage"
hostile "1 MiB of random bytes" closed raw < "$T_TMP/garbage"
hostile "length below the header" closed hdr status 8
hostile "length above the maximum" closed hdr status 0x7fffffff
hostile "unknown request type" closed msg 9999 0
hostile "internal message type" closed msg privkey 32
hostile "status with a payload" closed msg status 4
hostile "log with a short payload" closed msg log 2
hostile "peers with a payload" closed msg peers 8
hostile "engine counters with a payload" closed msg engine 1
hostile "an internal reply type from a client" closed msg 0x7fffffff 0
hostile "request carrying an fd" closed msg status 0 fd
hostile "masquerade with a short payload" closed msg masq 20
hostile "masquerade of no prefix (zeros)" "reply result" msg masq 24
hostile "a confined run with a long payload" closed msg confine 100
hostile "a confined run of no cgroup (zeros)" "reply result" msg confine 80
printf '\001\002' > "$T_TMP/partial"
hostile "half a header, then silence" open raw < "$T_TMP/partial"
hostile "a well-formed status" "reply status" msg status 0

# Connections are independent: with two open (one idle, one holding
# half a header), a third sends a broken request and is closed; the
# idle one is then answered and the half-sent one is still open.
others=$(python3 -c '
import socket, struct, sys
path, status = sys.argv[1], int(sys.argv[2])
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s
def closed(s):
    try:
        return s.recv(65536) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
idle, half, bad = conn(), conn(), conn()
half.sendall(b"\x01\x02")
bad.sendall(struct.pack("=IIII", status, 8, 0, 0))
out = ["broken closed" if closed(bad) else "broken open"]
got = b""
try:
    idle.sendall(struct.pack("=IIII", status, 16, 0, 0))
    while len(got) < 16 or len(got) < struct.unpack("=I", got[4:8])[0]:
        d = idle.recv(65536)
        if not d: break
        got += d
except OSError:
    pass
out.append("idle answered" if len(got) >= 16 and
    len(got) == struct.unpack("=I", got[4:8])[0] else "idle not answered")
half.settimeout(0.5)
out.append("half-sent closed" if closed(half) else "half-sent open")
print(", ".join(out))' "$T_TMP/hamd.sock" "$("$CTLSEND" - type status)")
check "a broken request closes only its connection ($others)" \
    [ "$others" = "broken closed, idle answered, half-sent open" ]

# --- no TCP listener: the control socket is a UNIX socket, nothing else ----
tcp_listeners() {	# sockets in state LISTEN (0A) in the namespace
	ip netns exec "$NS" awk 'FNR > 1 && $4 == "0A"' /proc/net/tcp \
	    /proc/net/tcp6 | wc -l
}
check "no TCP listener in hamd's namespace (/proc/net/tcp and tcp6)" \
    [ "$(tcp_listeners)" = 0 ]
check "the control socket is a UNIX socket" [ -S "$T_TMP/hamd.sock" ]
# The count sees a listener when there is one.
ip netns exec "$NS" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0)); s.listen(); time.sleep(20)' &
LISTENER=$!
track_pid "$LISTENER"
one_listener() { [ "$(tcp_listeners)" = 1 ]; }
check "... which the same scan would see (a test listener: 1)" \
    wait_for 5 one_listener
kill "$LISTENER" 2>/dev/null

# --- one user cannot crowd out root, nor grow the control process -----------
# nobody holds 12 idle connections: at most 8 are kept, root still gets in.
as_nobody /usr/bin/python3 -c '
import socket, sys, time
held = []
for i in range(12):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1]); held.append(s)
time.sleep(30)' "$T_TMP/hamd.sock" &
HOLDER=$!
track_pid "$HOLDER"
held_by_nobody() {
	test "$(grep -c "uid $NOBODY has too many control connections" \
	    "$T_TMP/hamd.log")" -ge 4
}
check "a user's ninth connection is refused" wait_for 5 held_by_nobody
check "root still gets an answer" hamd_ready "$T_TMP"
kill "$HOLDER" 2>/dev/null
# Two requests on one connection: the second closes it.
two=$(python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
req = struct.pack("=IIII", int(sys.argv[2]), 16, 0, 0)
s.sendall(req * 200)
n = 0
while True:
    d = s.recv(65536)
    if not d: break
    n += len(d)
print("closed" if n < 5000 else "answered %d bytes" % n)' "$T_TMP/hamd.sock" \
    "$("$CTLSEND" - type status)")
check "a second request on one connection closes it ($two)" \
    [ "$two" = closed ]
check "the second request is what closed it" \
    grep -q "client uid 0 sent a second request; closing" "$T_TMP/hamd.log"
check "hamd still answers after that" hamd_ready "$T_TMP"

finish
