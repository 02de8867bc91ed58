#!/bin/sh
# Exit node: node 1 offers to carry all traffic (0.0.0.0/0 and ::/0,
# approved by its network's owner), node 2 chooses it.  A router joins
# the LAN to an "internet" holding a host and the hub.  While the exit
# node is on, node 2's traffic to the internet host arrives from the
# exit node's address, IPv4 and IPv6, and nftables on node 2 counts no
# packet to that host leaving its direct interface; the hub's and the
# peer's traffic stay outside the tunnel; the LAN is still reached
# directly.  Off, and after losing the exit node, ip rule and ip route
# (every table) are as they were, byte for byte.  hamctl run -x: one
# command through the exit node; without -x: one command through the
# tunnel or nowhere (a member answers, the internet host only through a
# chosen exit node, and what would leave directly is dropped, counted).
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp

S=ex-sw-$$ R=ex-r-$$ I=ex-i-$$ H=ex-h-$$
bridge_add "$S"
netns_add "$R"
bridge_join "$R" 10.77.0.254/24 fd77::fe/64
for i in 1 2; do
	netns_add "ex-n$i-$$"
	bridge_join "ex-n$i-$$" "10.77.0.1$i/24" "fd77::1$i/64"
	ip -n "ex-n$i-$$" route add default via 10.77.0.254
	ip -n "ex-n$i-$$" -6 route add default via fd77::fe
done
ns() { echo "ex-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }
# the internet: a host and the hub, behind the router
netns_add "$I"
netns_add "$H"
ip link add "x$$i" netns "$R" type veth peer name eth0 netns "$I"
ip -n "$R" addr add 203.0.113.1/24 dev "x$$i"
ip -n "$R" addr add fd03::1/64 dev "x$$i" nodad
ip -n "$R" link set "x$$i" up
ip -n "$I" addr add 203.0.113.10/24 dev eth0
ip -n "$I" addr add fd03::10/64 dev eth0 nodad
ip -n "$I" link set eth0 up
ip -n "$I" route add default via 203.0.113.1
ip -n "$I" -6 route add default via fd03::1
ip link add "x$$h" netns "$R" type veth peer name eth0 netns "$H"
ip -n "$R" addr add 198.51.100.254/24 dev "x$$h"
ip -n "$R" link set "x$$h" up
ip -n "$H" addr add 198.51.100.1/24 dev eth0
ip -n "$H" link set eth0 up
ip -n "$H" route add default via 198.51.100.254
ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

mkdir -p "$T_TMP/hub"
write_hub_conf "$T_TMP/hub" 'listen on 198.51.100.1 port 7777'
start_hub "$H" "$T_TMP/hub"
check "hub starts" wait_for 10 hub_ready "$T_TMP/hub"
HUBKEY=$(hubctl "$T_TMP/hub" hub key)
for i in 1 2; do
	mkdir -p "$(dir "$i")"
	write_conf "$(dir "$i")" "hub \"198.51.100.1:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"node$i\""
	start_hamd "$(ns "$i")" "$(dir "$i")"
	eval "PID$i=\$HAMD_PID"
done
for i in 1 2; do
	check "node $i logs in through the router" wait_for 15 node_online "$(dir "$i")"
done
ctl() { n=$1; shift; hamctl_in "$(dir "$n")" "$@"; }
K1=$(pubkey_of "$(dir 1)")
check "node 1 creates net" sh -c "printf 'exitpass12\n' | '$HAMCTL' -s '$(dir 1)/hamd.sock' create net"
check "node 2 joins net" sh -c "printf 'exitpass12\n' | '$HAMCTL' -s '$(dir 2)/hamd.sock' join net"
check "the members reach each other" wait_for 10 pings "$(ns 2)" "$(overlay_v4 "$(ns 1)")"

# What the internet host sees, and what leaves node 2 directly.
ip netns exec "$I" nft -f - <<'NFT'
table inet seen {
	chain in {
		type filter hook input priority 0;
		ip saddr 10.77.0.11 icmp type echo-request counter
		ip saddr 10.77.0.12 icmp type echo-request counter
		ip6 saddr fd77::11 icmpv6 type echo-request counter
		ip6 saddr fd77::12 icmpv6 type echo-request counter
		ip saddr 10.77.0.11 udp dport 53 counter
	}
}
NFT
ip netns exec "$(ns 2)" nft -f - <<'NFT'
table inet leak {
	chain out {
		type filter hook output priority 0;
		oifname "eth0" ip daddr 203.0.113.10 counter
		oifname "eth0" ip6 daddr fd03::10 counter
		oifname "eth0" ip daddr 198.51.100.1 tcp dport 7777 counter
		oifname "ham0" ip daddr 198.51.100.1 counter
		oifname "eth0" ip daddr 10.77.0.254 icmp type echo-request counter
		oifname "eth0" ip daddr 10.77.0.11 udp dport 51820 counter
		oifname "ham0" ip daddr 10.77.0.11 counter
	}
}
NFT
seen() {	# seen ADDRESS: echo requests from it counted by the host
	ip netns exec "$I" nft list table inet seen |
	    sed -n "s/.*saddr $1 icmp.*counter packets \([0-9]*\) .*/\1/p"
}
leak() {	# leak N: packets of the Nth counter of node 2's table
	ip netns exec "$(ns 2)" nft list table inet leak |
	    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | sed -n "$1p"
}
dumps() {
	ip -n "$(ns 2)" rule; ip -n "$(ns 2)" -6 rule
	ip -n "$(ns 2)" route show table all
	ip -n "$(ns 2)" -6 route show table all
}
ping_i() { pings "$(ns 2)" "$1" -W 1; }

check "direct: node 2 reaches the host" wait_for 10 sh -c "ip netns exec '$(ns 2)' ping -q -c 1 -W 1 203.0.113.10 >/dev/null && ip netns exec '$(ns 2)' ping -q -c 1 -W 1 fd03::10 >/dev/null"
check "  which sees node 2's IPv4 address" test "$(seen 10.77.0.12)" -ge 1
check "  and its IPv6 address" test "$(seen fd77::12)" -ge 1
# The routes of the kernel's own to settle first: an IPv6 link-local
# address gets its local route only once duplicate address detection
# is done (ham0eth comes up after login).
settled() {
	ip -n "$(ns 2)" -6 addr show dev ham0eth | grep -q 'inet6 fe80' &&
	    ! ip -n "$(ns 2)" -6 addr show tentative | grep -q inet6
}
check "node 2's IPv6 addresses are settled" wait_for 5 settled
dumps > "$T_TMP/before"

OUT=$(ctl 2 exit node1 2>&1)
check "node 1 is no exit node before it offers" test $? -ne 0
log "$OUT"
check "node 1 offers IPv4" ctl 1 route advertise 0.0.0.0/0
check "and IPv6" ctl 1 route advertise ::/0
check "still none until approved" sh -c "! '$HAMCTL' -s '$(dir 2)/hamd.sock' exit node1 2>/dev/null"
check "the owner approves both" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' route approve net '$K1' 0.0.0.0/0 && '$HAMCTL' -s '$(dir 1)/hamd.sock' route approve net '$K1' ::/0"
check "node 1 serves it" wait_for 5 sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' routes -l | grep -q '0.0.0.0/0.*served'"
check "node 1 masquerades what comes from ham0" sh -c "ip netns exec '$(ns 1)' nft list table inet hamd | grep -q 'iifname \"ham0\" masquerade'"
# A ping every 100 ms to the host, from now until the end.
ip netns exec "$(ns 2)" ping -q -i 0.1 -W 1 203.0.113.10 >/dev/null 2>&1 &
PING4=$!
track_pid "$PING4"

T0=$(now_ms)
check "node 2 chooses node 1 as its exit node" ctl 2 exit node1
L4=$(leak 1) L6=$(leak 2) P6=$(leak 6)
log "exit node on in $(( $(now_ms) - T0 )) ms ($L4 direct pings to the host went out before it)"
check "routes -l shows it" sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' routes -l | grep -q '^default.*exit'"
check "the rules are wg-quick's" sh -c "ip -n '$(ns 2)' rule | grep -q '^5369:.*lookup main suppress_prefixlength 0' && ip -n '$(ns 2)' rule | grep -q '^5370:.*not from all fwmark 0xca6d lookup 51821'"
check "the host sees the exit node's IPv4 address" wait_for 10 sh -c "ping_n=\$(ip netns exec '$I' nft list table inet seen | sed -n 's/.*saddr 10.77.0.11 icmp.*packets \([0-9]*\) .*/\1/p'); [ \"\$ping_n\" -gt 3 ]"
N12=$(seen 10.77.0.12)
check "IPv6 too" wait_for 10 ping_i fd03::10
check "  from the exit node's IPv6 address" test "$(seen fd77::11)" -ge 1
check "the hub connection stays outside the tunnel" sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' networks >/dev/null"
check "  its packets leave eth0" test "$(leak 3)" -ge 1
check "  none enters ham0" test "$(leak 4)" = 0
check "  the kernel agrees" sh -c "ip -n '$(ns 2)' route get 198.51.100.1 mark 51821 | grep -q 'dev eth0' && ip -n '$(ns 2)' route get 198.51.100.1 | grep -q 'dev ham0'"
check "the LAN is still reached directly" sh -c "ip netns exec '$(ns 2)' ping -q -c 1 -W 2 10.77.0.254 >/dev/null && [ \"\$(ip netns exec '$(ns 2)' nft list table inet leak | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | sed -n 5p)\" -ge 1 ]"
sleep_for_pings() { [ "$(seen 10.77.0.11)" -gt 20 ]; }
check "pings keep going through the exit node" wait_for 10 sleep_for_pings
check "the peer traffic (UDP to node 1) leaves eth0" test "$(leak 6)" -gt "$P6"
check "  none of it enters ham0" test "$(leak 7)" = 0
log "while on: $(( $(leak 6) - P6 )) UDP datagrams to the exit node left eth0, $(leak 7) entered ham0"
dns11() { ip netns exec "$I" nft list table inet seen | sed -n 's/.*udp dport 53 counter packets \([0-9]*\) .*/\1/p'; }
ip netns exec "$(ns 2)" dig +tries=1 +time=1 @203.0.113.10 example.org >/dev/null 2>&1
check "a DNS query to the host goes through the exit node too" test "$(dns11)" -ge 1
check "no packet to the host left eth0 while on (IPv4)" test "$(leak 1)" = "$L4"
check "no packet to the host left eth0 while on (IPv6)" test "$(leak 2)" = "$L6"
check "the host saw none from node 2 while on" test "$(seen 10.77.0.12)" = "$N12"

check "exit off" ctl 2 exit off
dumps > "$T_TMP/after"
check "ip rule and ip route are as before, byte for byte" cmp -s "$T_TMP/before" "$T_TMP/after"
diff "$T_TMP/before" "$T_TMP/after" | sed 's/^/# /' | head -20
check "the host sees node 2 directly again" wait_for 5 sh -c "[ \"\$(ip netns exec '$I' nft list table inet seen | sed -n 's/.*saddr 10.77.0.12 icmp.*packets \([0-9]*\) .*/\1/p')\" -gt $N12 ]"

# --- without LAN access -------------------------------------------------------
L5=$(leak 5)
check "node 2 chooses node 1 without LAN access" ctl 2 exit node1 nolan
check "  no rule keeps the main table's routes" sh -c "! ip -n '$(ns 2)' rule | grep -q '^5369:' && ip -n '$(ns 2)' rule | grep -q '^5370:'"
check "  the LAN router is reached through the tunnel" wait_for 5 pings "$(ns 2)" 10.77.0.254 -W 1
check "  not directly" test "$(leak 5)" = "$L5"
check "  the hub connection still leaves eth0" sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' networks >/dev/null"
check "exit off again" ctl 2 exit off
dumps > "$T_TMP/afternolan"
check "  ip rule and ip route are as before" cmp -s "$T_TMP/before" "$T_TMP/afternolan"

# --- one command through the exit node: hamctl run ---------------------------
kill "$PING4" 2>/dev/null
wait "$PING4" 2>/dev/null
A11=$(seen 10.77.0.11) A12=$(seen 10.77.0.12)
# ip netns exec mounts a sysfs of its own: cgroup v2 goes on it there.
check "hamctl run: ping inside goes through the exit node" ip netns exec "$(ns 2)" sh -c "mount -t cgroup2 none /sys/fs/cgroup &&
    '$HAMCTL' -s '$(dir 2)/hamd.sock' run -x node1 -- ping -q -c 3 -W 2 203.0.113.10 >/dev/null"
check "  the host saw it from the exit node" test "$(seen 10.77.0.11)" -ge $((A11 + 3))
check "  and nothing from node 2 directly" test "$(seen 10.77.0.12)" = "$A12"
check "the same ping outside goes the direct way" sh -c "ip netns exec '$(ns 2)' ping -q -c 2 -W 2 203.0.113.10 >/dev/null"
check "  the host saw node 2's address" test "$(seen 10.77.0.12)" = $((A12 + 2))
check "a failing command's status comes back" sh -c "ip netns exec '$(ns 2)' sh -c \"mount -t cgroup2 none /sys/fs/cgroup && '$HAMCTL' -s '$(dir 2)/hamd.sock' run -x node1 -- sh -c 'exit 7'\"; [ \$? = 7 ]"
check "no run table is left" sh -c "! ip netns exec '$(ns 2)' nft list table inet hamdrun >/dev/null 2>&1"
check "no cgroup is left" sh -c "! ls -d /sys/fs/cgroup/hamd-run.* /sys/fs/cgroup/unified/hamd-run.* 2>/dev/null | grep -q ."
dumps > "$T_TMP/afterrun"
check "ip rule and ip route are as before the run" cmp -s "$T_TMP/before" "$T_TMP/afterrun"

# --- hamctl run without -x: through the tunnel or nowhere ---------------------
runin() {	# runin COMMAND...: hamctl run -- COMMAND on node 2
	ip netns exec "$(ns 2)" sh -c "mount -t cgroup2 none /sys/fs/cgroup &&
	    '$HAMCTL' -s '$(dir 2)/hamd.sock' run -- $*"
}
not_runin() { ! runin "$@"; }
V4_1=$(overlay_v4 "$(ns 1)")
L1=$(leak 1) B12=$(seen 10.77.0.12)
check "run without -x: a member answers inside, through the tunnel" runin ping -q -c 2 -W 2 "$V4_1" ">/dev/null"
check "  the internet host does not (no exit node chosen)" not_runin ping -q -c 2 -W 1 203.0.113.10 ">/dev/null"
OUT=$(runin sh -c "'ping -q -c 3 -W 1 203.0.113.10 >/dev/null; nft list table inet hamdonly'" 2>&1)
check "  hamd drops and counts them" contains "$OUT" 'oifname != "lo" counter packets 3 bytes [0-9]* drop'
log "$(printf '%s\n' "$OUT" | grep 'counter' | tr -s '\t ' ' ')"
check "  nothing to the host left eth0" test "$(leak 1)" = "$L1"
check "  the host saw nothing from node 2" test "$(seen 10.77.0.12)" = "$B12"
check "  the same ping outside goes directly" sh -c "ip netns exec '$(ns 2)' ping -q -c 2 -W 2 203.0.113.10 >/dev/null && [ \"\$(ip netns exec '$I' nft list table inet seen | sed -n 's/.*saddr 10.77.0.12 icmp.*packets \([0-9]*\) .*/\1/p')\" = $((B12 + 2)) ]"
check "  no hamdonly table is left" sh -c "! ip netns exec '$(ns 2)' nft list table inet hamdonly >/dev/null 2>&1"
check "with node 1 chosen as exit node" ctl 2 exit node1
B11=$(seen 10.77.0.11) B12=$(seen 10.77.0.12) L1=$(leak 1)
check "  inside reaches the host" runin ping -q -c 2 -W 2 203.0.113.10 ">/dev/null"
check "  through the exit node" test "$(seen 10.77.0.11)" -ge $((B11 + 2))
check "  not directly" test "$(seen 10.77.0.12)" = "$B12"
check "  and nothing left eth0" test "$(leak 1)" = "$L1"
# The exit node goes off under a confined command: it stops, never direct.
B11=$(seen 10.77.0.11) B12=$(seen 10.77.0.12)
runin ping -q -i 0.2 -c 25 -W 1 203.0.113.10 ">/dev/null" &
RUNPID=$!
track_pid "$RUNPID"
confined_through() { [ "$(seen 10.77.0.11)" -ge $((B11 + 3)) ]; }
check "a confined ping goes through the exit node" wait_for 5 confined_through
check "exit off under it" ctl 2 exit off
wait "$RUNPID"
log "the confined ping: $(( $(seen 10.77.0.11) - B11 )) of 25 through the exit node, $(( $(seen 10.77.0.12) - B12 )) directly"
check "  none of its packets went the direct way" test "$(seen 10.77.0.12)" = "$B12"
dumps > "$T_TMP/afterconfine"
check "ip rule and ip route are as before" cmp -s "$T_TMP/before" "$T_TMP/afterconfine"

# --- losing the exit node ------------------------------------------------------
check "node 2 chooses node 1 again" ctl 2 exit node1
check "through it again" wait_for 5 sh -c "ip -n '$(ns 2)' rule | grep -q '^5370:'"
check "the owner revokes the IPv4 offer" ctl 1 route revoke net "$K1" 0.0.0.0/0
check "node 2 restores its routing by itself" wait_for 2 sh -c "! ip -n '$(ns 2)' rule | grep -q '^5370:'"
dumps > "$T_TMP/lost"
check "  byte for byte" cmp -s "$T_TMP/before" "$T_TMP/lost"
check "node 2 stops" stop_hamd "$PID2"

finish
