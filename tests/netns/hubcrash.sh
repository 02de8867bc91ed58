#!/bin/sh
# An eviction is all or nothing, whenever the hub dies (issue 17).  The
# authority is killed (SIGKILL) while an eviction's commit is held by a
# test hook: once just before the COMMIT, once just after it.  The test
# plays the service manager and starts the hub again.  Before: the node
# is still an active member, online with its peers, and the eviction,
# tried again, completes.  After: the node is banned, no member has it
# as a peer, it has none, and trying again changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/weblib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
hooks "the authority killed in an eviction's commit" ||
    skip "needs the test hooks (./configure --enable-test-hooks)"
command -v python3 >/dev/null || skip "python3 is missing"
mktmp

HD=$(web_hubdir)
web_mesh 3 HAMD_TEST_EVICT_PAUSE=before

key_of() { pubkey_of "$(web_dir "$1")"; }
K2=$(key_of 2)
K3=$(key_of 3)
peers_has() { hamctl_in "$(web_dir "$1")" peers 2>/dev/null | grep -q "$2"; }
# member_state N KEY: KEY's state in lan as node N's members list says
member_state() {
	hamctl_in "$(web_dir "$1")" -j members office 2>/dev/null |
	    python3 -c '
import json, sys
for m in json.load(sys.stdin)["members"]:
	if m["public_key"] == sys.argv[1]:
		print(m["state"])' "$2"
}
state_is() { test "$(member_state 1 "$2")" = "$1"; }
authority_pid() {
	hubctl "$HD" -j hub status | python3 -c '
import json, sys
print([p["pid"] for p in json.load(sys.stdin)["processes"]
       if p["name"] == "authority"][0])'
}
all_online() { for i in 1 2 3; do node_online "$(web_dir $i)" || return 1; done; }

# crash WHEN KEY: evict KEY with the hook at WHEN; kill the authority
# where it waits; every hub process ends; start the hub again.
crash() {
	pids=$(ip netns pids "$(web_ns_hub)")
	ap=$(authority_pid)
	check "the authority is known ($ap)" test -n "$ap"
	lines=$(wc -l <"$HD/hub.log")
	hamctl_in "$(web_dir 1)" evict office "$2" >"$T_TMP/evict.out" 2>&1 &
	track_pid $!
	check "the eviction stops $1 its commit" \
	    wait_for 10 log_since "$HD/hub.log" "$((lines + 1))" \
	    "test hook: paused $1 a commit"
	kill -KILL "$ap"
	check "every hub process ends with the authority" \
	    wait_for 10 all_dead $pids
	start_hub "$(web_ns_hub)" "$HD" HAMD_TEST_EVICT_PAUSE=
	check "the hub starts again" wait_for 10 hub_ready "$HD"
	check "every node logs in again" wait_for 60 all_online
}

check "node 1 has node 3 as a peer" wait_for 15 peers_has 1 "$K3"
check "node 3 is an active member" state_is active "$K3"

# --- killed before the commit: nothing happened --------------------------
crash before "$K3"
check "node 3 is still an active member" state_is active "$K3"
check "node 1 has node 3 as a peer again" wait_for 15 peers_has 1 "$K3"
check "node 3 has node 1 as a peer again" \
    wait_for 15 peers_has 3 "$(key_of 1)"
check "the eviction, tried again, completes" \
    hamctl_in "$(web_dir 1)" evict office "$K3"
check "node 3 is banned" state_is banned "$K3"
gone3() { ! peers_has 1 "$K3" && ! peers_has 2 "$K3"; }
check "no member has node 3 as a peer" wait_for 5 gone3

# --- killed after the commit: everything happened ------------------------
stop_hub_pids=$(ip netns pids "$(web_ns_hub)")
kill $stop_hub_pids 2>/dev/null
check "the hub stops" wait_for 10 all_dead $stop_hub_pids
start_hub "$(web_ns_hub)" "$HD" HAMD_TEST_EVICT_PAUSE=after
check "the hub starts with the hook after the commit" \
    wait_for 10 hub_ready "$HD"
check "nodes 1 and 2 log in again" wait_for 60 sh -c \
    "'$HAMCTL' -s '$(web_dir 1)/hamd.sock' status | grep -q '^hub:.*online' &&
     '$HAMCTL' -s '$(web_dir 2)/hamd.sock' status | grep -q '^hub:.*online'"
check "node 1 has node 2 as a peer" wait_for 15 peers_has 1 "$K2"
crash after "$K2"
check "node 2 is banned" state_is banned "$K2"
check "node 1 does not have node 2 as a peer" \
    wait_for 15 sh -c "! '$HAMCTL' -s '$(web_dir 1)/hamd.sock' peers | grep -q '$K2'"
check "node 2 has no peer" \
    wait_for 15 sh -c "! '$HAMCTL' -s '$(web_dir 2)/hamd.sock' peers | grep -q public"
check "the eviction, tried again, changes nothing" \
    hamctl_in "$(web_dir 1)" evict office "$K2"
check "node 2 is still banned" state_is banned "$K2"
check "node 2 cannot rejoin with the password" \
    sh -c "! printf 'webpass123\n' | '$HAMCTL' -s '$(web_dir 2)/hamd.sock' join office"
finish
