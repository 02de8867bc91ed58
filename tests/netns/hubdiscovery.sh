#!/bin/sh
# NAT discovery on the hub: hamhubd answers a well-formed probe on UDP
# at its TCP port and the next one with the address and port it came
# from; every other datagram is dropped and counted; answers are rate
# limited per source; port 65535 and a taken UDP port are refused at
# startup; node logins over TCP still work.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no $PY"
mktmp

S=hd-sw-$$
H=hd-h-$$
C=hd-c-$$
N=hd-n-$$
bridge_add "$S"
netns_add "$H"
netns_add "$C"
netns_add "$N"
bridge_join "$H" 10.78.0.1/24 fd78::1/64
bridge_join "$C" 10.78.0.2/24 fd78::2/64
bridge_join "$N" 10.78.0.3/24
# Other sources of the client: the flood and the marker after it.
ip -n "$C" addr add 10.78.0.20/24 dev eth0
ip -n "$C" addr add 10.78.0.21/24 dev eth0

cat > "$T_TMP/probe.py" <<'PYEOF'
import errno, os, socket, struct, sys, time

def sock(host, port, src=None):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if src:
        s.bind((src, 0))
    # connected: only datagrams from the probed address and port count
    s.connect((host, port))
    return s

def probe(nonce):
    return bytes([0x80, 0, 0, 0]) + nonce + bytes(52)

def recv(s, timeout):
    s.settimeout(timeout)
    try:
        return s.recv(2048)
    except socket.timeout:
        return None

def check_answer(s, a, nonce):
    me = s.getsockname()
    fam = 6 if s.family == socket.AF_INET6 else 4
    raw = socket.inet_pton(s.family, me[0])
    want = (bytes([0x81, 0, 0, 0]) + nonce + bytes([fam, 0]) +
            struct.pack("!H", me[1]) + raw + bytes(16 - len(raw)))
    if a is None:
        return "no answer"
    if len(a) != 32:
        return "answer of %d bytes" % len(a)
    if a != want:
        return "answer %s, expected %s" % (a.hex(), want.hex())
    return None

def drained(s):
    s.setblocking(False)
    n = 0
    while True:
        try:
            s.recv(2048)
            n += 1
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return n
            raise

cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if cmd == "good":
    s = sock(host, port)
    nonce = os.urandom(8)
    s.send(probe(nonce))
    err = check_answer(s, recv(s, 5), nonce)
    if err:
        sys.exit("%s:%d: %s" % (host, port, err))
elif cmd == "bad":
    # Every malformed datagram, then a good probe on the same socket:
    # the hub reads in order, so its answer comes after any other.
    bad = [probe(os.urandom(8))[:63], probe(os.urandom(8)) + b"\0",
           bytes([0x81, 0, 0, 0]) + bytes(60),
           bytes([0x01, 0, 0, 0]) + bytes(60),
           bytes([0x80, 1, 0, 0]) + bytes(60),
           bytes([0x80, 0, 1, 0]) + bytes(60),
           bytes([0x80, 0, 0, 1]) + bytes(60), b"", bytes(64),
           bytes([0x80]) + bytes(1000)]
    s = sock(host, port)
    for b in bad:
        s.send(b)
    nonce = os.urandom(8)
    s.send(probe(nonce))
    err = check_answer(s, recv(s, 5), nonce)
    if err:
        sys.exit("first answer after malformed datagrams: " + err)
    if drained(s) != 0:
        sys.exit("malformed datagrams were answered")
elif cmd == "flood":
    lo, hi = int(sys.argv[4]), int(sys.argv[5])
    s = sock(host, port, "10.78.0.20")
    for i in range(200):
        s.send(probe(struct.pack("!Q", i)))
    # A marker from another source after the flood: once it is
    # answered, every answer to the flood has been sent.
    m = sock(host, port, "10.78.0.21")
    nonce = os.urandom(8)
    m.send(probe(nonce))
    err = check_answer(m, recv(m, 5), nonce)
    if err:
        sys.exit("marker: " + err)
    n = drained(s)
    print("%d answers to 200 probes" % n)
    if not lo <= n <= hi:
        sys.exit("%d answers, expected %d to %d" % (n, lo, hi))
PYEOF

mkdir -p "$T_TMP/hub"
write_hub_conf "$T_TMP/hub" 'listen on 10.78.0.1 port 7777' \
    'listen on fd78::1 port 7777'
start_hub "$H" "$T_TMP/hub"
check "hub starts" wait_for 10 hub_ready "$T_TMP/hub"
HUBKEY=$(hubctl "$T_TMP/hub" hub key)

py() { ip netns exec "$C" "$PY" "$T_TMP/probe.py" "$@"; }
counter() {	# counter NAME: the hub engine's counter
	hubctl "$T_TMP/hub" -j hub status | "$PY" -c \
	    'import json,sys; print(json.load(sys.stdin)["engine"][sys.argv[1]])' "$1"
}
at_least() { [ "$(counter "$1")" -ge "$2" ]; }

P0=$(counter nat_probes); D0=$(counter nat_dropped)
check "a probe to port P is answered with the IPv4 endpoint" py good 10.78.0.1 7777
check "a probe to port P+1 is answered with the IPv4 endpoint" py good 10.78.0.1 7778
check "a probe to port P is answered with the IPv6 endpoint" py good fd78::1 7777
check "a probe to port P+1 is answered with the IPv6 endpoint" py good fd78::1 7778
check "short, long, wrong-type, non-zero-reserved datagrams get no answer" \
    py bad 10.78.0.1 7777
check "the same on P+1 over IPv6" py bad fd78::1 7778
check "a burst of 200 probes from one source gets at most 25 answers" \
    py flood 10.78.0.1 7777 10 25
check "nat_probes counts the answers" wait_for 5 at_least nat_probes $((P0 + 17))
check "nat_dropped counts the rest" wait_for 5 at_least nat_dropped $((D0 + 20 + 170))
check "hamctl hub status shows discovery" \
    sh -c "'$HAMCTL' -s '$T_TMP/hub/hub.sock' hub status | grep -q '^discovery: *[0-9][0-9]* probes answered, [0-9][0-9]* datagrams dropped'"

# Startup refusals.
mkdir -p "$T_TMP/hub2" "$T_TMP/hub3"
write_hub_conf "$T_TMP/hub2" 'listen on 10.78.0.1 port 65535'
check "port 65535 is refused: no next port for discovery" sh -c \
    "! ip netns exec '$H' '$HAMHUBD' -n -f '$T_TMP/hub2/hamhubd.conf' >'$T_TMP/hub2/out' 2>&1 &&
     grep -q 'port 65535 is not usable' '$T_TMP/hub2/out'"
# TCP 7776 is free, UDP 7776 too, but UDP 7777 is the running hub's.
write_hub_conf "$T_TMP/hub3" 'listen on 10.78.0.1 port 7776'
check "a taken UDP port is fatal with a clear message" sh -c \
    "! ip netns exec '$H' timeout 10 '$HAMHUBD' -d -f '$T_TMP/hub3/hamhubd.conf' >'$T_TMP/hub3/out' 2>&1 &&
     grep -q 'cannot bind UDP 10.78.0.1 port 7777 for NAT discovery' '$T_TMP/hub3/out'"
check "the running hub is unharmed" alive "$HUB_PID"

# A node still logs in over TCP.
mkdir -p "$T_TMP/n"
write_conf "$T_TMP/n" "hub \"10.78.0.1:7777\" public-key \"$HUBKEY\"" \
    'nickname "node1"'
start_hamd "$N" "$T_TMP/n"
check "a node logs in over TCP" wait_for 15 node_online "$T_TMP/n"
check "the hub is still running" alive "$HUB_PID"
nat_line() { hamctl_in "$T_TMP/n" status | sed -n 's/^nat: *//p'; }
check "the node classifies its NAT" \
    wait_for 10 sh -c "'$HAMCTL' -s '$T_TMP/n/hamd.sock' status | grep -q '^nat: *no NAT, public endpoint 10.78.0.3:51820'"
NAT0=$(nat_line)

# Forged answers at the node's WireGuard port: from a stranger, from the
# hub's address but another port, and a well-formed one with a guessed
# nonce.  None is taken; each is counted; the NAT result stays.
nat_bad() {
	hamctl_in "$T_TMP/n" -j peers | sed -n 's/.*"nat_bad":\([0-9]*\).*/\1/p'
}
BAD0=$(nat_bad)
cat > "$T_TMP/forge.py" <<'PYEOF'
import socket, struct, sys
src, sport, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ans = bytes([0x81, 0, 0, 0]) + b"\x11" * 8 + bytes([4, 0]) + \
    struct.pack("!H", 4444) + socket.inet_aton("192.0.2.66") + b"\0" * 12
# A raw socket, so the source may be the hub's own address and port.
udp = struct.pack("!HHHH", sport, 51820, 8 + len(ans), 0) + ans
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
    socket.inet_aton(src), socket.inet_aton(dst))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(ip + udp, (dst, 0))
PYEOF
ip netns exec "$C" "$PY" "$T_TMP/forge.py" 10.78.0.2 40000 10.78.0.3
ip netns exec "$C" "$PY" "$T_TMP/forge.py" 10.78.0.1 40001 10.78.0.3
ip netns exec "$C" "$PY" "$T_TMP/forge.py" 10.78.0.1 7777 10.78.0.3
bad_grew() { [ "$(nat_bad)" -ge $((BAD0 + 3)) ]; }
check "three forged answers are dropped and counted" wait_for 5 bad_grew
check "the NAT result is unchanged by them" test "$(nat_line)" = "$NAT0"
check "the forged endpoint appears nowhere" \
    sh -c "! '$HAMCTL' -s '$T_TMP/n/hamd.sock' status | grep -q 192.0.2.66"

finish
