#!/bin/sh
# Key isolation: while traffic flows, the engine's memory holds neither
# the node's private key, nor the preshared key, nor the session keys,
# nor the relay token of its hub login (tun builds and checks the relay
# registrations); the same scan of tun finds them all, which proves the
# scan works.  Node a logs in to a hub that runs next to node b.
. "$(dirname "$0")/lib.sh"
require_root
[ "${HAMD_TEST_HOOKS:-no}" = yes ] || skip "needs ./configure --enable-test-hooks (session key log)"
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp
A="hamd-ka-$$"; B="hamd-kb-$$"
netns_add "$A"; netns_add "$B"
link_pair "$A" "$B" 192.168.242.1/24 192.168.242.2/24
for n in a b; do
	mkdir -p "$T_TMP/$n"; chmod 755 "$T_TMP/$n"; mkdir -m 700 "$T_TMP/$n/state"
	"$HAMCTL" genkey "$T_TMP/$n/state/private.key"
done
"$HAMCTL" genkey "$T_TMP/psk"
KA=$(pubkey_of "$T_TMP/a"); KB=$(pubkey_of "$T_TMP/b")
mkdir -p "$T_TMP/hub"
write_hub_conf "$T_TMP/hub" 'listen on 192.168.242.2 port 7777'
start_hub "$B" "$T_TMP/hub"
wait_for 10 hub_ready "$T_TMP/hub" || { not_ok "hub starts"; finish; exit; }
HUBKEY=$(hubctl "$T_TMP/hub" hub key)
write_conf "$T_TMP/a" 'address 10.242.0.1/24' 'listen-port 51830' \
    "hub \"192.168.242.2:7777\" public-key \"$HUBKEY\"" \
    "peer \"b\" {" "public-key \"$KB\"" "preshared-key \"$T_TMP/psk\"" \
    "endpoint \"192.168.242.2:51831\"" 'allowed-ips 10.242.0.2/32' '}'
write_conf "$T_TMP/b" 'address 10.242.0.2/24' 'listen-port 51831' \
    "peer \"a\" {" "public-key \"$KA\"" "preshared-key \"$T_TMP/psk\"" \
    'allowed-ips 10.242.0.1/32' '}'
start_hamd "$A" "$T_TMP/a" HAMD_TEST_KEYLOG=1
PA=$HAMD_PID
start_hamd "$B" "$T_TMP/b" HAMD_TEST_KEYLOG=1
wait_for 10 hamd_ready "$T_TMP/a" && wait_for 10 hamd_ready "$T_TMP/b" ||
    { not_ok "nodes start"; finish; exit; }
check "tunnel up" wait_for 10 pings "$A" 10.242.0.2
check "node a logs in to the hub" wait_for 15 node_online "$T_TMP/a"

# Traffic while we look.
ip netns exec "$A" ping -q -i 0.05 -c 400 10.242.0.2 >/dev/null 2>&1 &
track_pid $!

hex_of_key() { base64 -d < "$1" | od -An -tx1 | tr -d ' \n'; }
PRIV=$(hex_of_key "$T_TMP/a/state/private.key")
PSK=$(hex_of_key "$T_TMP/psk")
wait_for 5 grep -q 'test hook: keylog peer b' "$T_TMP/a/hamd.log" ||
    not_ok "session keys logged"
SEND=$(grep 'test hook: keylog peer b' "$T_TMP/a/hamd.log" | tail -n 1 | sed 's/.* send \([0-9a-f]*\) .*/\1/')
RECV=$(grep 'test hook: keylog peer b' "$T_TMP/a/hamd.log" | tail -n 1 | sed 's/.* recv \([0-9a-f]*\)$/\1/')
check "relay token logged" wait_for 5 grep -q 'test hook: relay token' "$T_TMP/a/hamd.log"
TOKEN=$(grep 'test hook: relay token' "$T_TMP/a/hamd.log" | tail -n 1 | sed 's/.* relay token \([0-9a-f]*\)$/\1/')
# None logged: a pattern nobody holds, so that tun's check fails too.
[ ${#TOKEN} = 32 ] || TOKEN=0f1e2d3c4b5a69788796a5b4c3d2e1f0
ENGINE=$(proc_pid "$T_TMP/a" engine)
TUN=$(proc_pid "$T_TMP/a" tun)
CONTROL=$(proc_pid "$T_TMP/a" control)
MEMSCAN="$top_builddir/tests/tools/memscan"

scan() { "$MEMSCAN" "$1" "$PRIV" "$PSK" "$SEND" "$RECV" "$TOKEN"; }
out=$(scan "$TUN")
check "tun holds the private key (the scan works)" contains "$out" "$PRIV found"
check "tun holds the preshared key" contains "$out" "$PSK found"
check "tun holds the session send key" contains "$out" "$SEND found"
check "tun holds the session receive key" contains "$out" "$RECV found"
check "tun holds the relay token" contains "$out" "$TOKEN found"
for who in engine control; do
	eval pid=\$$(echo $who | tr a-z A-Z)
	out=$(scan "$pid"); rc=$?
	check "$who: memory readable" [ $rc = 0 ]
	check "$who: no private key" contains "$out" "$PRIV absent"
	check "$who: no preshared key" contains "$out" "$PSK absent"
	check "$who: no session send key" contains "$out" "$SEND absent"
	check "$who: no session receive key" contains "$out" "$RECV absent"
	check "$who: no relay token" contains "$out" "$TOKEN absent"
done
out=$(scan "$PA")
check "parent: no private key after handing it to tun" contains "$out" "$PRIV absent"
check "parent: no preshared key after handing it to tun" contains "$out" "$PSK absent"
check "parent: no session keys" contains "$out" "$SEND absent"
check "parent: no relay token" contains "$out" "$TOKEN absent"
finish
