#!/bin/sh
# Key isolation: while traffic flows, the engine's memory holds neither
# the node's private key, nor the preshared key, nor the session keys,
# nor the relay token of its hub login (tun builds and checks the relay
# registrations); the same scan of tun finds them all, which proves the
# scan works.  Node a logs in to a hub that runs next to node b.  And no
# key of any kind, in hex or base64, is in any hamctl reply (human or
# JSON) or any log line of either node (b runs without the test hook
# that logs session keys; a's lines of the test hooks are left out).
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
start_hamd "$B" "$T_TMP/b"
wait_for 10 hamd_ready "$T_TMP/a" && wait_for 10 hamd_ready "$T_TMP/b" ||
    { not_ok "nodes start"; finish; exit; }
# Debug lines too: they say the most about handshakes and sessions.
hamctl_in "$T_TMP/a" log verbose >/dev/null
hamctl_in "$T_TMP/b" log verbose >/dev/null
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

# --- no key in any reply or log line ----------------------------------------
command -v python3 >/dev/null || { not_ok "python3 for the key forms"; finish; exit; }
PRIVB=$(hex_of_key "$T_TMP/b/state/private.key")
# forms HEX: the key in lower- and upper-case hex and in base64 (without
# its padding, so unpadded base64 matches too)
forms() {
	python3 -c 'import base64, sys
k = bytes.fromhex(sys.argv[1])
print(k.hex()); print(k.hex().upper()); print(base64.b64encode(k).decode().rstrip("="))' "$1"
}
# Every session key a logged, not only the latest: SESSION1, SESSION2...
nsession=0
for hex in $(sed -n 's/.*test hook: keylog peer b send \([0-9a-f]*\) recv \([0-9a-f]*\)$/\1 \2/p' \
    "$T_TMP/a/hamd.log"); do
	nsession=$((nsession + 1))
	eval SESSION$nsession=\$hex
done
sessions() { i=0; while [ $i -lt $nsession ]; do i=$((i + 1)); echo SESSION$i; done; }
# leaks FILE: the keys found in FILE, by name
leaks() {
	for k in PRIV PRIVB PSK TOKEN $(sessions); do
		eval hex=\$$k
		forms "$hex" > "$T_TMP/forms"
		grep -q -F -f "$T_TMP/forms" "$1" && printf '%s ' "$k"
	done
}
for n in a b; do
	for j in "" -j; do
		for cmd in status peers help networks reload "log brief"; do
			hamctl_in "$T_TMP/$n" $j $cmd
		done
	done
done > "$T_TMP/replies" 2>&1
check "hamctl replies were read ($(wc -l < "$T_TMP/replies") lines)" \
    grep -q '"peers"' "$T_TMP/replies"
check "no key in any hamctl reply ($(leaks "$T_TMP/replies"))" \
    [ -z "$(leaks "$T_TMP/replies")" ]
# The search works: in a's whole log it finds the token and every
# session key.
all_found() {
	[ "$nsession" -ge 2 ] && [ "$(leaks "$T_TMP/a/hamd.log")" = \
	    "$(printf '%s ' TOKEN $(sessions))" ]
}
check "the search finds keys where they are (a's test hook lines, $nsession keys)" \
    all_found
check "b's log says nothing of keys ($(leaks "$T_TMP/b/hamd.log"))" \
    [ -z "$(leaks "$T_TMP/b/hamd.log")" ]
grep -v 'test hook: ' "$T_TMP/a/hamd.log" > "$T_TMP/a.log"
check "a's log says nothing of keys but in the test hooks' lines ($(leaks "$T_TMP/a.log"))" \
    [ -z "$(leaks "$T_TMP/a.log")" ]
finish
