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
LOAD_NICE=10
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
[ -x "$HUBLOAD" ] || skip "bench/hubload not built"
command -v prlimit >/dev/null || skip "prlimit is missing (util-linux)"
command -v python3 >/dev/null || skip "python3 is missing"
mktmp
load_net

pid_of() { echo "$LOAD_PROCS" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
stat_of() {	# stat_of DIR KEY: a number from hamctl -j hub status
	hubctl "$1" -j hub status | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get(sys.argv[1], d["engine"].get(sys.argv[1], 0)))' "$2"
}
grew() { test "$(stat_of "$1" "$2")" -gt "$3"; }
# maxoff: the highest address the hub in D1 gave, above 100.64.0.0
maxoff() {
	hubctl "$D1" -j hub nodes | python3 -c '
import ipaddress, json, sys
d = json.load(sys.stdin)
base = int(ipaddress.ip_address("100.64.0.0"))
print(max(int(ipaddress.ip_address(n["ipv4"])) - base for n in d["nodes"]))'
}
data_kb() { sed -n 's/^VmData:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }

# members DIR SEED [SETUP...]: 50 nodes (SETUP: logging in and making
# their network; by default they log in to the one they have), online
# throughout; between the files DIR/one and DIR/two each is dropped and
# logs in again.  Every step has a deadline, so a hub that went away
# ends it within minutes.
members() {
	d=$1; seed=$2; shift 2
	[ $# -eq 0 ] && set -- "login 0 50 64 60"
	hubload -S "$seed" -s 10.200.250.1/200 -n 50 "$@" \
	    "expect-peers 0 50 49 60" \
	    "wait-file $d/one 300" \
	    "drop 3 4" "login 3 4 1 60" "expect-peers 0 50 49 60" \
	    "wait-file $d/two 300" \
	    "drop 4 5" "login 4 5 1 60" "expect-peers 0 50 49 60" \
	    >"$d/members.out" 2>&1 &
	GEN_M=$!
	track_pid "$GEN_M"
	wait_for 90 grep -q "^expect-peers 0-50: all 50" "$d/members.out"
}
MAKE_NET="login 0 50 64 60|create 0 keep|invite 0 keep 1 50|join keep 1 50"

# ---- open files: 300 a process ------------------------------------------
D1=$T_TMP/fd
LOAD_WRAP="prlimit --nofile=300:300" load_hub "$D1" "max-connections 20000" \
    "engines 1" "node-expiry 3" || exit 1
HUB_PIDS=$(ip netns pids "$LH")
check "the hub says what its open-file limit allows" \
    grep -q "open files: 300 per process" "$D1/hub.log"
IFS='|'
# shellcheck disable=SC2086
set -- $MAKE_NET
unset IFS
check "the members are up" members "$D1" limits-fd "$@"
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
hi1=$(maxoff)
check "it said accept failed, and how often" \
    grep -q "accept.*Too many open files" "$D1/hub.log"
: >"$D1/one"
check "members log in again and see each other" \
    wait_for 90 sh -c "test \$(grep -c '^expect-peers 0-50: all 50' '$D1/members.out') -ge 2"

# Expiry: the 600 were in no network; three seconds after they left
# they are forgotten (the members stay), and a new wave gets addresses
# from the bottom of the pool again instead of above the old ones.  A
# wave the descriptors allow: the members hold 50 of them.
few() { test "$(stat_of "$D1" nodes)" -le 50; }
check "every node in no network expires" wait_for 60 few
W=$T_TMP/wave.out
hubload -S limits-w -s 10.200.160.1/1000 -n 150 \
    "login 0 150 64 60" >"$W" 2>&1
sed 's/^/# wave: /' "$W"
check "a new wave logs in" grep -q "^login 0-150: 150 ok" "$W"
off=$(maxoff)
log "the highest address now: 100.64.0.0 + $off (the first wave's: $hi1)"
check "with the addresses the expired gave back" test "$off" -le 210
check "and expires in turn" wait_for 60 few
check "the members are still known" test "$(stat_of "$D1" nodes)" = 50
: >"$D1/two"
wait "$GEN_M"
check "the members went through it all" test $? = 0
kill "$HUB_PID"
wait_for 20 dead "$HUB_PID"

# ---- memory: a few MiB above what the hub needs at rest -----------------
# The members make their network first, on a hub without the limit: a
# password hash (Argon2id) takes 64 MiB, so under the limit below the
# hub could only answer that it has no memory for one.
D2=$T_TMP/mem
load_hub "$D2" "max-connections 20000" "engines 1" || exit 1
IFS='|'
# shellcheck disable=SC2086
set -- $MAKE_NET
unset IFS
M=$T_TMP/mknet.out
hubload -S limits-mem -s 10.200.250.1/200 -n 50 "$@" \
    "expect-peers 0 50 49 60" >"$M" 2>&1
check "the members made their network" test $? = 0
# At rest again (the members gone): what each process needs.
base=0
for p in authority engine; do
	kb=$(data_kb "$(pid_of $p)")
	log "$p: ${kb} kB of data at rest"
	[ "${kb:-0}" -gt "$base" ] && base=$kb
done
kill "$HUB_PID"
wait_for 20 dead "$HUB_PID"
limit=$(( (base + 6144) * 1024 ))
log "memory limit: $limit bytes (${base} kB at rest, and 6 MiB)"
LOAD_WRAP="prlimit --data=$limit" load_hub "$D2" "max-connections 20000" \
    "engines 1" || exit 1
HUB_PIDS=$(ip netns pids "$LH")
check "the members are up" members "$D2" limits-mem
nomem=$(stat_of "$D2" refused_nomem)
U=$T_TMP/mem.out
hubload -S limits-u -s 10.200.80.1/3000 -n 12000 \
    "try-login 0 12000 512 60" >"$U" 2>&1
sed 's/^/# memory: /' "$U"
check "connections were refused for want of memory" \
    wait_for 5 grew "$D2" refused_nomem "$nomem"
check "the hub lives" all_alive $HUB_PIDS
check "it said so" \
    grep -q "out of memory: \|no memory for" "$D2/hub.log"
nlines=$(grep -c "out of memory\|no memory for" "$D2/hub.log")
log "lines about memory: $nlines; refused: $(stat_of "$D2" refused_nomem)"
check "now and then, not a line each" test "$nlines" -le 40
check "and how many it left out, within ten seconds" wait_for 30 \
    grep -q "out of memory.*more suppressed\|no memory for.*([1-9][0-9]* more since" \
    "$D2/hub.log"
: >"$D2/one"
: >"$D2/two"
wait "$GEN_M"
check "the members logged in again and saw each other" test $? = 0
kill "$HUB_PID"
wait_for 20 dead "$HUB_PID"

# ---- max-connections: the hub's own limit, short of any resource -------
D3=$T_TMP/max
load_hub "$D3" "max-connections 100" "engines 1" || exit 1
HUB_PIDS=$(ip netns pids "$LH")
X=$T_TMP/max.out
hubload -S limits-x -s 10.200.96.1/100 -n 150 "try-login 0 150 150 10" \
    "logout 0 150" "login 0 50 50 30" >"$X" 2>&1
sed 's/^/# max: /' "$X"
xok=$(sed -n 's/^try-login 0-150: \([0-9]*\) ok.*/\1/p' "$X")
check "no more than max-connections at once (${xok:-?} of 150)" \
    test "${xok:-999}" -le 100 -a "${xok:-0}" -ge 50
check "the rest were refused and counted" wait_for 10 grew "$D3" refused 0
check "the hub lives" all_alive $HUB_PIDS
check "once they left, others log in" grep -q "^login 0-50: 50 ok" "$X"
finish
