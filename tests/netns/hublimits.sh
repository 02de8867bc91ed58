#!/bin/sh
# No resource limit ends the hub (issue 11).  A hub started with a low
# open-file limit stops accepting for a moment when its engine has no
# descriptor left, and serves the nodes it has; a hub started with a low
# memory limit (RLIMIT_DATA) refuses the connections and sessions it has
# no memory for, counts them, and goes on; the nodes already online keep
# their logins and their presence.  And nodes that never joined a
# network expire (node-expiry), giving their addresses back, so that a
# flood of them cannot fill the pool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loadlib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
[ -x "$HUBLOAD" ] || skip "bench/hubload not built"
command -v prlimit >/dev/null || skip "prlimit is missing (util-linux)"
command -v python3 >/dev/null || skip "python3 is missing"
mktmp
load_net

all_alive() { for p in "$@"; do alive "$p" || return 1; done; }
pid_of() { echo "$LOAD_PROCS" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
stat_of() {	# stat_of DIR KEY: a number from hamctl -j hub status
	hubctl "$1" -j hub status | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get(sys.argv[1], d["engine"].get(sys.argv[1], 0)))' "$2"
}
grew() { test "$(stat_of "$1" "$2")" -gt "$3"; }
data_kb() { sed -n 's/^VmData:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }

# members DIR SEED: 50 nodes in a network, online throughout; between
# the files DIR/one and DIR/two each is dropped and logs in again.
members() {
	hubload -S "$2" -s 10.200.250.1/200 -n 50 \
	    "login 0 50" "create 0 keep" "invite 0 keep 1 50" \
	    "join keep 1 50" "expect-peers 0 50 49 60" \
	    "wait-file $1/one 300" \
	    "drop 3 4" "login 3 4" "expect-peers 0 50 49 60" \
	    "wait-file $1/two 300" \
	    "drop 4 5" "login 4 5" "expect-peers 0 50 49 60" \
	    >"$1/members.out" 2>&1 &
	GEN_M=$!
	track_pid "$GEN_M"
	wait_for 60 grep -q "^expect-peers 0-50: all 50" "$1/members.out"
}

# ---- open files: 300 a process ------------------------------------------
D1=$T_TMP/fd
LOAD_WRAP="prlimit --nofile=300:300" load_hub "$D1" "max-connections 20000" \
    "engines 1" "node-expiry 3" || exit 1
HUB_PIDS=$(ip netns pids "$LH")
check "the hub says what its open-file limit allows" \
    grep -q "open files: 300 per process" "$D1/hub.log"
check "the members are up" members "$D1" limits-fd
# Of 600 new nodes the engine takes what its descriptors allow; the rest
# wait in the kernel's backlog and give up.
F=$T_TMP/fds.out
hubload -S limits-f -s 10.200.64.1/1000 -n 600 \
    "try-login 0 600 600 15" >"$F" 2>&1
sed 's/^/# fds: /' "$F"
got=$(sed -n 's/^try-login 0-600: \([0-9]*\) ok.*/\1/p' "$F")
check "the engine took what its descriptors allow (${got:-?} of 600)" \
    test "${got:-0}" -gt 100 -a "${got:-600}" -lt 300
check "the hub lives" all_alive $HUB_PIDS
check "it said accept failed, and how often" \
    grep -q "accept.*Too many open files" "$D1/hub.log"
: >"$D1/one"
check "members log in again and see each other" \
    wait_for 90 sh -c "test \$(grep -c '^expect-peers 0-50: all 50' '$D1/members.out') -ge 2"

# Expiry: the 600 were in no network; three seconds after they left
# they are forgotten (the members stay), and a new wave gets addresses
# from the bottom of the pool again instead of above the old ones.
maxoff() {
	hubctl "$D1" -j hub nodes | python3 -c '
import ipaddress, json, sys
d = json.load(sys.stdin)
base = int(ipaddress.ip_address("100.64.0.0"))
print(max(int(ipaddress.ip_address(n["ipv4"])) - base for n in d["nodes"]))'
}
few() { test "$(stat_of "$D1" nodes)" -le 50; }
check "every node in no network expires" wait_for 60 few
W=$T_TMP/wave.out
hubload -S limits-w -s 10.200.160.1/1000 -n 500 \
    "login 0 500 64" >"$W" 2>&1
check "a new wave logs in" grep -q "^login 0-500: 500 ok" "$W"
off=$(maxoff)
log "the highest address now: 100.64.0.0 + $off"
check "with the addresses the expired gave back" test "$off" -le 560
check "and expires in turn" wait_for 60 few
check "the members are still known" test "$(stat_of "$D1" nodes)" = 50
: >"$D1/two"
wait "$GEN_M"
check "the members went through it all" test $? = 0
kill "$HUB_PID"
wait_for 20 dead "$HUB_PID"

# ---- memory: a few MiB above what the hub needs at rest -----------------
D2=$T_TMP/mem
load_hub "$D2" "max-connections 20000" "engines 1" || exit 1
base=$(data_kb "$(pid_of authority)")
kill "$HUB_PID"
wait_for 20 dead "$HUB_PID"
limit=$(( (base + 6144) * 1024 ))
log "memory limit: $limit bytes (the authority needs ${base} kB at rest)"
LOAD_WRAP="prlimit --data=$limit" load_hub "$D2" "max-connections 20000" \
    "engines 1" || exit 1
HUB_PIDS=$(ip netns pids "$LH")
check "the members are up" members "$D2" limits-mem
nomem=$(stat_of "$D2" refused_nomem)
U=$T_TMP/mem.out
hubload -S limits-u -s 10.200.80.1/3000 -n 12000 \
    "try-login 0 12000 512 20" >"$U" 2>&1
sed 's/^/# memory: /' "$U"
check "connections were refused for want of memory" \
    wait_for 5 grew "$D2" refused_nomem "$nomem"
check "the hub lives" all_alive $HUB_PIDS
check "it said so, now and then" \
    grep -q "out of memory: .* refused\|no memory for" "$D2/hub.log"
: >"$D2/one"
: >"$D2/two"
wait "$GEN_M"
check "the members logged in again and saw each other" test $? = 0
finish
