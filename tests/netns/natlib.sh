# NAT test topology: an "internet" segment and routers with real
# nftables NATs in front of private LANs, all in namespaces this test
# creates.  Source it after lib.sh; lib.sh's trap removes everything.
#
# Topology.  One bridge namespace is the internet (203.0.113.0/24,
# TEST-NET-3, used only inside our namespaces).  Internet hosts (the
# hub, test servers) and every router's "wan" interface sit on it.
# Each router has its own LAN: a second bridge namespace that the
# router's "lan" interface and its hosts' "eth0" join; hosts route
# everything through the router.  Traffic between two hosts on one LAN
# is switched by that LAN's bridge and never touches the router, as on
# a real home network.  A plain router ("none") has public addresses
# behind it (the caller gives it a prefix such as 198.51.100.0/24,
# TEST-NET-2); every internet member gets a route to that prefix via
# the router.  Nothing here touches the root namespace: veths are
# created directly inside the namespaces they belong to.
#
# Namespace names: nat-NAME-PID for every host and router,
# nat-NAME-lan-PID for router NAME's LAN bridge, nat-inet-PID for the
# internet.  NAME: letters, digits, '_' and '-'.
#
# The kinds.  Each router has one nftables table, "ip hamnat".  Every
# NAT kind shares this inbound policy on the public side:
#
#	input:   iifname wan ct state established,related accept
#	         iifname wan counter name drops drop
#	forward: iifname wan ct state established,related accept
#	         [eim only: iifname wan ct status dnat accept]
#	         iifname wan counter name drops drop
#
# Why the drop matters (DESIGN.md, Testing): a packet to the router's
# own public address that no rule drops gets a conntrack entry (it is
# "confirmed" when it leaves the input hook, even if no socket takes it
# and the router answers port-unreachable).  If that packet came from
# peer B to public port M, the entry's reply tuple is exactly the tuple
# the host's own first packet to B from M would need, so masquerade
# picks a different public port for it: B's early hole-punching probe
# has turned an endpoint-independent NAT into a dependent one (without
# the input rule B sees, say, port 1912 instead of 40002).  Real routers
# drop unsolicited inbound traffic; dropping it in a filter chain means
# the entry is never confirmed, and the host keeps its port (nat.sh: "a
# peer that probed first still sees the host's own port").  The "drops"
# counter counts every packet the policy drops, so a test can prove a
# packet was dropped by the NAT, not lost elsewhere.
#
#   none             No table rules at all (only the drops counter, which
#                    stays 0): a plain IPv4 router, no conntrack, no
#                    filtering.  Hosts behind it are reachable from
#                    anywhere at their own addresses.
#
#   port-restricted  Endpoint-independent mapping, address-and-port-
#                    dependent filtering: the common home router.
#                        postrouting (nat, srcnat): oifname wan masquerade
#                    Linux keeps the mapping endpoint-independent by itself:
#                    masquerade's range (the wan address) never contains the
#                    host's own address, so nf_nat looks the host's address
#                    and port up in its by-source table first and reuses the
#                    public port of any live flow from that endpoint; only a
#                    host endpoint without live flows gets a fresh port (its
#                    own if free, else another).  Filtering is plain
#                    conntrack: its entries are per remote address and port,
#                    so only packets from exactly the remotes the host sent
#                    to get in; everything else hits the drop rules.
#
#   eim              Endpoint-independent mapping and filtering ("full
#                    cone"): port-restricted's mapping, plus
#                        learn (filter, postrouting, srcnat + 10):
#                          oifname wan meta l4proto udp ct direction original
#                              update @eim_in { udp sport :
#                                  ct original ip saddr . ct original proto-src }
#                        prerouting (nat, dstnat):
#                          iifname wan udp dport @eim_in
#                              dnat ip to udp dport map @eim_in
#                        forward:    iifname wan ct status dnat accept
#                    The learn chain runs after the NAT, so udp sport is the
#                    public port; the map sends anything arriving on that
#                    port, from any remote, to the host endpoint behind it.
#                    Its entries last 30 s after the host's last outbound
#                    packet, never longer than the mapping itself (an
#                    unreplied UDP flow lives 30 s), so an entry cannot point
#                    at a host that no longer owns the port.  A public port
#                    nobody has sent from is still closed: unsolicited
#                    packets are dropped before a mapping exists.  No
#                    hairpinning: the DNAT applies to packets from wan only.
#
#   symmetric        Endpoint-dependent mapping, address-and-port-
#                    dependent filtering:
#                        postrouting: oifname wan masquerade random,fully-random
#                    every new flow (each remote address and port) gets a
#                    random public port; filtering as port-restricted.
#
#   udp-blocked      A firewall that drops all forwarded UDP in both
#                    directions and NATs TCP:
#                        forward:     meta l4proto udp counter name drops drop
#                                     (first rule, before the wan policy)
#                        postrouting: oifname wan masquerade
#
# Conntrack in each router keeps the kernel defaults: an unreplied UDP
# flow lives 30 s (nf_conntrack_udp_timeout), a replied one 120 s.
#
# API (names carry the test's PID through nat_ns):
#   nat_require                     skip unless nft and python3 work
#   nat_internet                    create the internet segment (implicit)
#   nat_inet_host NAME ADDR         a host on the internet at ADDR/24
#   nat_router NAME KIND PUBLIC_ADDR LAN_PREFIX
#                                   a router (KIND above) at PUBLIC_ADDR/24,
#                                   first address of LAN_PREFIX on its LAN
#   nat_host NAME ROUTER LAN_ADDR   a host on ROUTER's LAN, default via it
#   nat_ns NAME                     namespace of a host or router
#   nat_addr NAME                   a host's own address
#   nat_router_of NAME              the router a host sits behind
#   nat_public NAME                 the address the internet sees for NAME
#   nat_kind ROUTER                 its KIND
#   nat_drops ROUTER                packets its policy dropped so far
#   nat_flush ROUTER                forget every conntrack entry and the eim
#                                   map (a NAT reboot; hosts get new mappings)
#   nat_probe ARGS...               the UDP/TCP probe tool (see below)
#   nat_hub NAME ADDR [conf lines]  hamhubd on an internet host listening on
#                                   ADDR:$NAT_HUB_PORT; waits for it; sets
#                                   NAT_HUB_DIR, NAT_HUB_ADDR, NAT_HUB_KEY
#   nat_node NAME [conf lines]      hamd on host NAME against that hub, in
#                                   $(nat_dir NAME); sets HAMD_PID
#   nat_dir NAME                    a node's directory
#   nat_online NAME                 the node is logged in to the hub
#   nat_seen NAME                   where the hub sees the node from
#
# nat_probe runs one Python process that opens sockets inside several
# namespaces (setns) so that a scenario's steps happen in a known order.
# A packet's fate is "in" (the receiver got it), "dropped" (the router's
# drops counter moved first) or "lost" (neither within 3 s).
#   nat_probe kind HOST_NS A_NS A_IP B_NS B_IP ROUTER_NS PUBLIC
#       prints key=value lines, each an endpoint (what the receiver saw
#       as the source) or a fate: map_a/map_b (one host socket to
#       servers A and B), map_a2/map_b2 (a second socket), reply_a,
#       sent_a (a third socket to A only), then towards that mapping
#       from_b, from_a_other_port, from_a; early (B to PUBLIC:40002
#       before the host sent from it) and early_map (what B sees when
#       the host then sends to B from 40002); after_flush (A to map_a
#       after nat_flush); tcp (what A accepts from the host); leaked
#       (a "dropped" packet that arrived after all: none).
#   nat_probe lan NS1 IP1 NS2 IP2    both directions between two hosts
#   nat_probe clash NS1 NS2 A_NS A_IP B_NS B_IP ROUTER_NS
#       both hosts send from one port to A, the second one also to B
#   nat_probe flush NS               conntrack flush through ctnetlink

NAT_INET=""
NAT_INET_MEMBERS=""
NAT_ROUTES=""
NAT_PORTS=0
NAT_HUB_PORT=7777
NAT_HUB_DIR=""
NAT_HUB_ADDR=""
NAT_HUB_KEY=""
NAT_PROBE=""

nat_ns() { echo "nat-$1-$$"; }
_nat_key() { printf '%s' "$1" | tr -c 'A-Za-z0-9_' _; }
_nat_set() { eval "NAT_${1}_$(_nat_key "$2")=\$3"; }	# FIELD NAME VALUE
_nat_get() { eval "printf '%s\n' \"\${NAT_${1}_$(_nat_key "$2"):-}\""; }
_nat_fail() { echo "natlib: $*" >&2; exit 1; }

nat_require() {
	command -v nft >/dev/null 2>&1 || skip "nft not installed"
	command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
}

# _nat_gw ADDR LEN: the first host address of a prefix (10.1.0.0 24:
# 10.1.0.1)
_nat_gw() {
	_g_len=$2
	_g_old=$IFS; IFS=.; set -- $1; IFS=$_g_old
	_g_n=$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))
	_g_n=$(( (_g_n & ((0xffffffff << (32 - _g_len)) & 0xffffffff)) + 1 ))
	echo "$(( (_g_n >> 24) & 255 )).$(( (_g_n >> 16) & 255 )).$(( (_g_n >> 8) & 255 )).$(( _g_n & 255 ))"
}

# _nat_plug BRIDGE_NS NS IFNAME ADDR/LEN: a veth from BRIDGE_NS's br0 to
# NS, named IFNAME there, with ADDR.
_nat_plug() {
	NAT_PORTS=$((NAT_PORTS + 1))
	ip link add "n$$x$NAT_PORTS" netns "$1" type veth \
	    peer name "$3" netns "$2" || _nat_fail "cannot create veth"
	ip -n "$1" link set "n$$x$NAT_PORTS" master br0 up
	ip -n "$2" addr add "$4" dev "$3"
	ip -n "$2" link set "$3" up
}

_nat_bridge() {	# NS
	netns_add "$1"
	ip -n "$1" link add br0 type bridge
	ip -n "$1" link set br0 up
}

nat_internet() {
	[ -n "$NAT_INET" ] && return 0
	[ -n "$T_TMP" ] || mktmp
	NAT_INET=$(nat_ns inet)
	_nat_bridge "$NAT_INET"
	_nat_write_probe
}

# _nat_inet_join NS ADDR IFNAME: put NS on the internet and give it the
# routes to the public LANs behind plain routers.
_nat_inet_join() {
	nat_internet
	_nat_plug "$NAT_INET" "$1" "$3" "$2/24"
	NAT_INET_MEMBERS="$NAT_INET_MEMBERS $1@$2"
	for _r in $NAT_ROUTES; do
		[ "${_r#*@}" = "$2" ] && continue
		ip -n "$1" route add "${_r%@*}" via "${_r#*@}"
	done
}

nat_inet_host() {	# NAME ADDR
	_ns=$(nat_ns "$1")
	netns_add "$_ns"
	_nat_inet_join "$_ns" "$2" eth0
	_nat_set ADDR "$1" "$2"
	_nat_set PUB "$1" "$2"
}

# _nat_rules KIND: the router's nftables table
_nat_rules() {
	echo "table ip hamnat {"
	echo "	counter drops { }"
	case $1 in
	none) echo "}"; return ;;
	esac
	[ "$1" = eim ] && cat <<'EOF'
	map eim_in {
		type inet_service : ipv4_addr . inet_service
		flags dynamic,timeout
		timeout 30s
	}
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wan" udp dport @eim_in dnat ip to udp dport map @eim_in
	}
EOF
	cat <<'EOF'
	chain input {
		type filter hook input priority filter; policy accept;
		iifname "wan" ct state established,related accept
		iifname "wan" counter name drops drop
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
EOF
	[ "$1" = udp-blocked ] &&
	    echo '		meta l4proto udp counter name drops drop'
	echo '		iifname "wan" ct state established,related accept'
	[ "$1" = eim ] && echo '		iifname "wan" ct status dnat accept'
	cat <<'EOF'
		iifname "wan" counter name drops drop
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
EOF
	if [ "$1" = symmetric ]; then
		echo '		oifname "wan" masquerade random,fully-random'
	else
		echo '		oifname "wan" masquerade'
	fi
	echo "	}"
	[ "$1" = eim ] && cat <<'EOF'
	chain learn {
		type filter hook postrouting priority srcnat + 10; policy accept;
		oifname "wan" meta l4proto udp ct direction original update @eim_in { udp sport : ct original ip saddr . ct original proto-src }
	}
EOF
	echo "}"
}

nat_router() {	# NAME KIND PUBLIC_ADDR LAN_PREFIX
	case $2 in
	none|eim|port-restricted|symmetric|udp-blocked) ;;
	*) _nat_fail "unknown NAT kind $2" ;;
	esac
	_len=24
	case $4 in */*) _len=${4#*/} ;; esac
	_gw=$(_nat_gw "${4%/*}" "$_len")
	_ns=$(nat_ns "$1")
	_lan=$(nat_ns "$1-lan")
	netns_add "$_ns"
	_nat_bridge "$_lan"
	_nat_inet_join "$_ns" "$3" wan
	_nat_plug "$_lan" "$_ns" lan "$_gw/$_len"
	ip netns exec "$_ns" sysctl -q -w net.ipv4.ip_forward=1 ||
	    _nat_fail "cannot enable forwarding in $_ns"
	_nat_rules "$2" | ip netns exec "$_ns" nft -f - ||
	    _nat_fail "cannot load the $2 ruleset"
	if [ "$2" = none ]; then
		_net=${4%/*}/$_len
		NAT_ROUTES="$NAT_ROUTES $_net@$3"
		for _m in $NAT_INET_MEMBERS; do
			[ "${_m#*@}" = "$3" ] && continue
			ip -n "${_m%@*}" route add "$_net" via "$3"
		done
	fi
	_nat_set KIND "$1" "$2"
	_nat_set PUB "$1" "$3"
	_nat_set GW "$1" "$_gw"
	_nat_set LEN "$1" "$_len"
}

nat_host() {	# NAME ROUTER LAN_ADDR
	_len=$(_nat_get LEN "$2")
	[ -n "$_len" ] || _nat_fail "no router $2"
	_ns=$(nat_ns "$1")
	netns_add "$_ns"
	_nat_plug "$(nat_ns "$2-lan")" "$_ns" eth0 "$3/$_len"
	ip -n "$_ns" route add default via "$(_nat_get GW "$2")"
	_nat_set ROUTER "$1" "$2"
	_nat_set ADDR "$1" "$3"
	if [ "$(_nat_get KIND "$2")" = none ]; then
		_nat_set PUB "$1" "$3"
	else
		_nat_set PUB "$1" "$(_nat_get PUB "$2")"
	fi
}

nat_addr() { _nat_get ADDR "$1"; }
nat_router_of() { _nat_get ROUTER "$1"; }
nat_public() { _nat_get PUB "$1"; }
nat_kind() { _nat_get KIND "$1"; }

nat_drops() {	# ROUTER
	ip netns exec "$(nat_ns "$1")" nft list counter ip hamnat drops |
	    sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

nat_probe() { python3 "$NAT_PROBE" "$@"; }

nat_flush() {	# ROUTER
	nat_probe flush "$(nat_ns "$1")"
}

# --- hamhubd and hamd ---------------------------------------------------

nat_hub() {	# NAME ADDR [conf lines...]
	_name=$1; _addr=$2; shift 2
	nat_inet_host "$_name" "$_addr"
	NAT_HUB_DIR=$T_TMP/$_name
	NAT_HUB_ADDR=$_addr
	mkdir -p "$NAT_HUB_DIR"
	write_hub_conf "$NAT_HUB_DIR" "listen on $_addr port $NAT_HUB_PORT" "$@"
	start_hub "$(nat_ns "$_name")" "$NAT_HUB_DIR"
	wait_for 10 hub_ready "$NAT_HUB_DIR" || return 1
	NAT_HUB_KEY=$(hubctl "$NAT_HUB_DIR" hub key)
}

nat_dir() { echo "$T_TMP/$1"; }

nat_node() {	# NAME [conf lines...]
	_name=$1; shift
	_d=$(nat_dir "$_name")
	mkdir -p "$_d"
	write_conf "$_d" \
	    "hub \"$NAT_HUB_ADDR:$NAT_HUB_PORT\" public-key \"$NAT_HUB_KEY\"" \
	    "nickname \"$_name\"" "$@"
	start_hamd "$(nat_ns "$_name")" "$_d"
}

nat_online() { node_online "$(nat_dir "$1")"; }

nat_seen() {
	hamctl_in "$(nat_dir "$1")" status 2>/dev/null |
	    sed -n 's/^seen from: *\([^ ]*\).*/\1/p'
}

# --- the probe tool ----------------------------------------------------------

_nat_write_probe() {
	NAT_PROBE=$T_TMP/natprobe.py
	cat > "$NAT_PROBE" <<'EOF'
# natprobe: UDP and TCP probes across the NAT topology, one process with
# sockets in several namespaces so that every step has a known order.
import ctypes, os, re, select, socket, struct, subprocess, sys, time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
SELF = os.open("/proc/self/ns/net", os.O_RDONLY)
DEADLINE = 3.0

def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

def in_ns(ns, fn):
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        setns(fd)
        try:
            return fn()
        finally:
            setns(SELF)
    finally:
        os.close(fd)

def ep(a):
    return "%s:%d" % a

class Udp:
    """A UDP socket in a namespace that keeps every datagram it got."""
    def __init__(self, ns, port):
        self.s = in_ns(ns, lambda: socket.socket(socket.AF_INET,
                                                 socket.SOCK_DGRAM))
        self.s.bind(("0.0.0.0", port))
        self.got = {}

    def poll(self, timeout):
        r, _, _ = select.select([self.s], [], [], timeout)
        while r:
            data, src = self.s.recvfrom(2048)
            self.got[data.decode()] = src
            r, _, _ = select.select([self.s], [], [], 0)

def drops(router):
    if not router:
        return 0
    out = subprocess.run(["ip", "netns", "exec", router, "nft", "list",
                          "counter", "ip", "hamnat", "drops"],
                         capture_output=True, text=True).stdout
    m = re.search(r"packets (\d+)", out)
    return int(m.group(1)) if m else 0

dropped = set()
socks = []

def deliver(src, dst, payload, rcv, router):
    """in (with the source rcv saw), dropped (by router) or lost"""
    before = drops(router)
    src.s.sendto(payload.encode(), dst)
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        rcv.poll(0.01)
        if payload in rcv.got:
            return "in", rcv.got[payload]
        if router and drops(router) > before:
            dropped.add(payload)
            return "dropped", None
    return "lost", None

def show(key, res):
    fate, src = res
    print("%s=%s" % (key, ep(src) if fate == "in" else fate))
    return src

def leaks():
    got = set()
    for s in socks:
        s.poll(0)
        got.update(s.got)
    return ",".join(sorted(dropped & got)) or "none"

def udp(ns, port):
    s = Udp(ns, port)
    socks.append(s)
    return s

def ctflush(ns):
    s = in_ns(ns, lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                        12))	# NETLINK_NETFILTER
    # IPCTNL_MSG_CT_DELETE without a tuple: flush; AF_UNSPEC: all families
    msg = struct.pack("=IHHII", 20, (1 << 8) | 2, 1 | 4, 1, 0)
    msg += struct.pack("=BBH", socket.AF_UNSPEC, 0, 0)
    s.send(msg)
    ack = s.recv(4096)
    err = struct.unpack_from("=i", ack, 16)[0]
    if err != 0:
        raise OSError(-err, "conntrack flush: " + os.strerror(-err))
    subprocess.run(["ip", "netns", "exec", ns, "nft", "flush", "map",
                    "ip", "hamnat", "eim_in"], stderr=subprocess.DEVNULL)

def kind(h, a_ns, a_ip, b_ns, b_ip, router, public):
    a, a2, b = udp(a_ns, 3478), udp(a_ns, 3479), udp(b_ns, 3478)
    A, B = (a_ip, 3478), (b_ip, 3478)
    # mapping: the endpoint two servers see for one host socket, twice
    s1, s3 = udp(h, 40001), udp(h, 40003)
    m1 = show("map_a", deliver(s1, A, "m1a", a, router))
    show("map_b", deliver(s1, B, "m1b", b, router))
    show("map_a2", deliver(s3, A, "m3a", a, router))
    show("map_b2", deliver(s3, B, "m3b", b, router))
    if m1:
        show("reply_a", deliver(a, m1, "r1", s1, router))
    # filtering: after the host has sent to A only, who gets in?
    s4 = udp(h, 40004)
    m4 = show("sent_a", deliver(s4, A, "m4a", a, router))
    if m4:
        show("from_b", deliver(b, m4, "fromb", s4, router))
        show("from_a_other_port", deliver(a2, m4, "froma2", s4, router))
        show("from_a", deliver(a, m4, "froma", s4, router))
    # hole punching's race: B probes port 40002 before the host has sent
    # from it, then the host sends to B; which port does B see?
    s2 = udp(h, 40002)
    show("early", deliver(b, (public, 40002), "early", s2, router))
    show("early_map", deliver(s2, B, "m2b", b, router))
    if m1:
        ctflush(router)
        show("after_flush", deliver(a, m1, "flushed", s1, router))
    # TCP: who the server sees
    ls = in_ns(a_ns, lambda: socket.socket(socket.AF_INET,
                                           socket.SOCK_STREAM))
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", 3478))
    ls.listen(4)
    ls.settimeout(DEADLINE)
    c = in_ns(h, lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    c.settimeout(DEADLINE)
    try:
        c.connect(A)
        conn, peer = ls.accept()
        print("tcp=" + ep(peer))
    except OSError:
        print("tcp=fail")
    print("leaked=" + leaks())

def lan(ns1, ip1, ns2, ip2):
    s1, s2 = udp(ns1, 40010), udp(ns2, 40010)
    show("lan12", deliver(s1, (ip2, 40010), "l12", s2, None))
    show("lan21", deliver(s2, (ip1, 40010), "l21", s1, None))

def clash(ns1, ns2, a_ns, a_ip, b_ns, b_ip, router):
    a, b = udp(a_ns, 3478), udp(b_ns, 3478)
    s1, s2 = udp(ns1, 40020), udp(ns2, 40020)
    show("first_a", deliver(s1, (a_ip, 3478), "c1a", a, router))
    show("second_a", deliver(s2, (a_ip, 3478), "c2a", a, router))
    show("second_b", deliver(s2, (b_ip, 3478), "c2b", b, router))

cmd, args = sys.argv[1], sys.argv[2:]
{"kind": kind, "lan": lan, "clash": clash, "flush": ctflush}[cmd](*args)
EOF
}
