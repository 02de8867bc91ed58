#!/bin/sh
# The hub-wide budgets in a running hub: password checks (Argon2id) for
# the whole hub, and new node keys for the whole hub.  Their real
# numbers (16 then 4 a second; 2048 then 1000 a second) are out of a
# namespace test's reach on a loaded machine, so a test hook
# (HAMD_TEST_HUB_BUDGET=small, --enable-test-hooks only) makes them 4
# and 16, refilled only after ten minutes; the code that spends and
# refuses is the real one.  Each attack comes from addresses and keys
# of its own, so only the hub's budget can refuse it.  For each: the
# refusal (EBUSY; a closed login), the audit line that counts it, and
# bystanders who log in, form a network and see each other throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loadlib.sh"
LOAD_NICE=10
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
[ -x "$HUBLOAD" ] || skip "bench/hubload not built"
[ "${HAMD_TEST_HOOKS:-no}" = yes ] ||
    skip "needs a build with --enable-test-hooks"
mktmp
load_net
LOAD_WRAP="env HAMD_TEST_HUB_BUDGET=small" load_hub "$T_TMP/hub" || exit 1
HUB_PIDS=$(ip netns pids "$LH")
L=$T_TMP/hub/hub.log
check "the hub-wide budgets are small (test hook)" \
    grep -q "test hook: the hub-wide budgets are small" "$L"

# Bystanders: three nodes of their own addresses, a network joined by
# invitation (no password), before, during and after the attacks.
A=$T_TMP/a.out
hubload -S bud-a -s 10.200.230.1/3 -a 1 -n 3 \
    "login 0 3" "create 0 calm" "invite 0 calm 1 3" "join calm 1 3" \
    "expect-peers 0 3 2 30" \
    "wait-file $T_TMP/attacked 120" \
    "expect-peers 0 3 2 30" "drop 1 3" "login 1 3" "expect-peers 0 3 2 30" \
    >"$A" 2>&1 &
GEN_A=$!
track_pid "$GEN_A"
check "the bystanders' network is up" \
    wait_for 60 grep -q "^expect-peers 0-3: all 3 see 2" "$A"

# Password checks: 8 keys, each from an address of its own, each one
# wrong join at once.  No key or address is near its own share (8): at
# most the hub's 4 are checked, the others are EBUSY, unhashed.
P=$T_TMP/p.out
hubload -S bud-p -s 10.200.231.1/8 -a 1 -n 8 -w 8 "login 0 8" \
    "spam 0-8 join nonet - 1 wrong-password" >"$P" 2>&1
sed "s|^|# p: |" "$P"
pref=$(field "$P" "spam join:" 3)
pbusy=$(field "$P" "spam join:" 7)
log "passwords: $pref checked, $pbusy refused as the hub's"
check "at most the hub's 4 passwords checked (${pref:-?})" \
    test "${pref:-99}" -le 4 -a "${pref:-0}" -ge 1
check "the rest refused by the hub's budget, EBUSY (${pbusy:-?})" \
    test "${pbusy:-0}" -ge 4
check "... and audited as the hub's (hash-ratelimited limit=hub)" \
    wait_for 5 grep -q "event=hash-ratelimited .*limit=hub" "$L"

# New keys: 24, each from an address of its own (the address's share
# is 32).  The hub's 16 went to the bystanders' 3 and the 8 above: 5
# may log in, the others are refused.
N=$T_TMP/n.out
hubload -S bud-n -s 10.200.232.1/24 -a 1 -n 24 "try-login 0 24 24 20" \
    >"$N" 2>&1
sed "s|^|# n: |" "$N"
nok=$(field "$N" "try-login 0-24:" 1)
log "new keys: $nok of 24 logged in"
check "at most the hub's 5 new keys left logged in (${nok:-?} of 24)" \
    test "${nok:-99}" -le 5 -a "${nok:-0}" -ge 1
check "... the others refused as the hub's (login-new-ratelimited limit=hub)" \
    wait_for 5 grep -q "event=login-new-ratelimited .*limit=hub" "$L"

: >"$T_TMP/attacked"
wait "$GEN_A"
rc_a=$?
sed "s|^|# a: |" "$A"
check "the bystanders logged in again and saw each other throughout" \
    test "$rc_a" = 0
check "every hub process lives" all_alive $HUB_PIDS
finish
