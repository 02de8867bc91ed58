#!/bin/sh
# Two hamd nodes with static peers in two namespaces joined by a veth:
# IPv4 and IPv6 inside the tunnel, a 1400-byte unfragmented ping, iperf3
# both ways, roaming to a new outer address, and rekeying under traffic
# with no packet lost.
. "$(dirname "$0")/lib.sh"
require_root
mktmp
A="hamd-ta-$$"; B="hamd-tb-$$"
netns_add "$A"; netns_add "$B"
link_pair "$A" "$B" 192.168.241.1/24 192.168.241.2/24 fd00:241::1/64 fd00:241::2/64
mkdir -p "$T_TMP/a" "$T_TMP/b"
chmod 755 "$T_TMP/a" "$T_TMP/b"
mkdir -m 700 "$T_TMP/a/state" "$T_TMP/b/state"
"$HAMCTL" genkey "$T_TMP/a/state/private.key"
"$HAMCTL" genkey "$T_TMP/b/state/private.key"
(umask 077; head -c 32 /dev/urandom | base64 > "$T_TMP/psk")
KA=$(pubkey_of "$T_TMP/a"); KB=$(pubkey_of "$T_TMP/b")

write_conf "$T_TMP/a" 'address 10.241.0.1/24' 'address fd77::1/64' \
    'listen-port 51820' \
    "peer \"b\" {" "public-key \"$KB\"" "preshared-key \"$T_TMP/psk\"" \
    "endpoint \"192.168.241.2:51821\"" \
    'allowed-ips 10.241.0.2/32, fd77::2/128' '}'
write_conf "$T_TMP/b" 'address 10.241.0.2/24' 'address fd77::2/64' \
    'listen-port 51821' \
    "peer \"a\" {" "public-key \"$KA\"" "preshared-key \"$T_TMP/psk\"" \
    "endpoint \"192.168.241.1:51820\"" \
    'allowed-ips 10.241.0.1/32, fd77::1/128' '}'

start_hamd "$A" "$T_TMP/a" HAMD_TEST_REKEY_AFTER=4
PA=$HAMD_PID
start_hamd "$B" "$T_TMP/b" HAMD_TEST_REKEY_AFTER=4
PB=$HAMD_PID
if ! wait_for 10 hamd_ready "$T_TMP/a" || ! wait_for 10 hamd_ready "$T_TMP/b"; then
	cat "$T_TMP/a/hamd.log" "$T_TMP/b/hamd.log"
	not_ok "both nodes start"; finish; exit
fi
ok "both nodes start"
hamctl_in "$T_TMP/a" log verbose >/dev/null
hamctl_in "$T_TMP/b" log verbose >/dev/null

t0=$(now_ms)
if wait_for 10 pings "$A" 10.241.0.2; then
	ok "IPv4 ping through the tunnel ($(( $(now_ms) - t0 )) ms to the first answer)"
else
	not_ok "IPv4 ping through the tunnel"
	tail -n 30 "$T_TMP/a/hamd.log" "$T_TMP/b/hamd.log"
fi
check "IPv6 ping through the tunnel" wait_for 5 pings "$A" fd77::2
check "ping from the other side" pings "$B" 10.241.0.1
check "1400-byte ping with DF set, no fragmentation" \
    pings "$A" 10.241.0.2 -M do -s 1372
check "an oversized DF ping is refused locally, not fragmented" \
    sh -c "! ip netns exec $A ping -n -q -c 1 -W 1 -M do -s 1400 10.241.0.2 >/dev/null 2>&1"

# --- iperf3 both ways -------------------------------------------------------
if command -v iperf3 >/dev/null; then
	ip netns exec "$B" iperf3 -s -1 -B 10.241.0.2 >/dev/null 2>&1 &
	track_pid $!
	wait_for 5 sh -c "ip netns exec $B ss -ltn | grep -q ':5201'"
	out=$(ip netns exec "$A" iperf3 -c 10.241.0.2 -t 3 -f m 2>&1 | grep receiver)
	check "iperf3 A->B: $out" contains "$out" "Mbits/sec"
	ip netns exec "$B" iperf3 -s -1 -B 10.241.0.2 >/dev/null 2>&1 &
	track_pid $!
	wait_for 5 sh -c "ip netns exec $B ss -ltn | grep -q ':5201'"
	out=$(ip netns exec "$A" iperf3 -c 10.241.0.2 -R -t 3 -f m 2>&1 | grep receiver)
	check "iperf3 B->A: $out" contains "$out" "Mbits/sec"
else
	not_ok "iperf3 installed"
fi

# --- hamctl peers ------------------------------------------------------------
out=$(hamctl_in "$T_TMP/a" peers)
check "peers shows the peer's endpoint" contains "$out" 'endpoint: *192.168.241.2:51821'
check "peers shows its allowed IPs" contains "$out" 'allowed ips: *10.241.0.2/32, fd77::2/128'
check "peers shows a recent handshake" contains "$out" 'latest handshake: [0-9]* seconds ago$'
check "peers shows the preshared key is in use" contains "$out" 'with preshared key'
out=$(hamctl_in "$T_TMP/a" -j peers)
check "peers -j: a session and traffic" \
    contains "$out" '"session":true,.*"rx_bytes":[1-9]'
if command -v python3 >/dev/null; then
	check "peers -j is valid JSON" sh -c "echo '$out' | python3 -m json.tool >/dev/null"
fi

# --- rekey under traffic: 4 s rekey timer, 60 pings over 12 s ------------------
# The 4 s timer is a test hook (the protocol's is 120 s).
if hooks "rekeying under traffic"; then
	hs0=$(grep -c 'handshake complete' "$T_TMP/a/hamd.log" "$T_TMP/b/hamd.log" | awk -F: '{s+=$2} END {print s}')
	out=$(ip netns exec "$A" ping -n -q -c 60 -i 0.2 -W 1 10.241.0.2 2>&1)
	hs1=$(grep -c 'handshake complete' "$T_TMP/a/hamd.log" "$T_TMP/b/hamd.log" | awk -F: '{s+=$2} END {print s}')
	check "rekeyed during the pings ($((hs1 - hs0)) new handshakes)" [ $((hs1 - hs0)) -ge 2 ]
	check "no ping lost across rekeys: $(echo "$out" | grep -o '[0-9]* received')" \
	    contains "$out" " 0% packet loss"
fi

# --- reload: a removed peer is gone at once, a re-added one works again -------
cp "$T_TMP/a/hamd.conf" "$T_TMP/a/hamd.conf.full"
write_conf "$T_TMP/a" 'address 10.241.0.1/24' 'address fd77::1/64' 'listen-port 51820'
hamctl_in "$T_TMP/a" reload >/dev/null
check "reload without the peer: peers lists none" \
    contains "$(hamctl_in "$T_TMP/a" peers)" 'no peers configured'
check "... and nothing reaches B" sh -c "! ip netns exec $A ping -n -q -c 2 -W 1 10.241.0.2 >/dev/null 2>&1"
cp "$T_TMP/a/hamd.conf.full" "$T_TMP/a/hamd.conf"
hamctl_in "$T_TMP/a" reload >/dev/null
check "reload with the peer again: traffic flows" wait_for 10 pings "$A" 10.241.0.2
sed "s|$T_TMP/psk|$T_TMP/no-such-psk|" "$T_TMP/a/hamd.conf.full" > "$T_TMP/a/hamd.conf"
out=$(hamctl_in "$T_TMP/a" reload 2>&1); rc=$?
check "reload with a missing preshared key file is refused" [ $rc = 1 ]
check "... saying the running configuration is kept" \
    contains "$out" 'no-such-psk.*running configuration is kept'
check "... and traffic goes on" pings "$A" 10.241.0.2
cp "$T_TMP/a/hamd.conf.full" "$T_TMP/a/hamd.conf"

# --- roaming: B moves to a new outer address ---------------------------------------
ip -n "$B" addr del 192.168.241.2/24 dev eth0
ip -n "$B" addr add 192.168.241.7/24 dev eth0
check "B reaches A from its new address" wait_for 10 pings "$B" 10.241.0.1
check "A follows B to its new address" wait_for 5 pings "$A" 10.241.0.2
check "A logged the new endpoint" \
    grep -q 'endpoint 192.168.241.7:51821' "$T_TMP/a/hamd.log"

# --- roaming: B comes back on another port ---------------------------------
stop_hamd "$PB"
sed -i 's/^listen-port 51821$/listen-port 51822/' "$T_TMP/b/hamd.conf"
start_hamd "$B" "$T_TMP/b"
PB=$HAMD_PID
check "B restarts on port 51822" wait_for 10 hamd_ready "$T_TMP/b"
check "B reaches A from its new port" wait_for 10 pings "$B" 10.241.0.1
check "A follows B to its new port" wait_for 5 pings "$A" 10.241.0.2
check "A logged the new endpoint and port" \
    grep -q 'endpoint 192.168.241.7:51822' "$T_TMP/a/hamd.log"

stop_hamd "$PA"
stop_hamd "$PB"
check "both nodes stop cleanly" all_dead "$PA" "$PB"
finish
