#!/bin/sh
# The hub's web console and the HTTP child: real headless Chromium
# renders the networks and members of a three-node mesh, shows a node
# going offline within a few seconds, and leaves a screenshot next to
# this test's log (console.png); the tables also work without
# JavaScript.  Hostile HTTP (oversized headers, slowloris, path
# traversal, unknown methods, a flood of connections) is refused and
# counted, and the server goes on answering.  The web child holds no
# key, runs with no capability under seccomp, and what it would send
# to ask for an admin action (a reload, a block of every address, an
# eviction) ends the daemon instead of acting.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/weblib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
for t in chromium curl python3; do
	command -v $t >/dev/null || skip "$t not installed"
done
mktmp
web_mesh 3
H=$(web_ns_hub)
URL="http://$WEB_NET.1:9200/"
SHOT="$(cd "$(dirname "$0")" && pwd)/console.png"

# chrome NS args...: headless, sandboxed by the namespace only, no
# network but the test's listener, a fresh profile every time.
chrome() {
	_ns=$1; shift
	ip netns exec "$_ns" chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --disable-extensions \
	    --user-data-dir="$(mktemp -d "$T_TMP/chrome.XXXXXX")" "$@"
}
members_online() { web_get "$H" "${URL}state.json" | grep -o '"online":true' | wc -l; }
check "the hub's snapshot shows three members online" \
    wait_for 10 sh -c "[ \$(ip netns exec '$H' curl -fsS '${URL}state.json' |
    grep -o '\"online\":true' | wc -l) -ge 3 ]"

# --- Chromium: the page after its script ran -----------------------------
chrome "$H" --dump-dom --virtual-time-budget=4000 "$URL" >"$T_TMP/dom.html" \
    2>"$T_TMP/chrome-dump.log"
check "Chromium renders the network" grep -q 'office' "$T_TMP/dom.html"
for i in 1 2 3; do
	check "... and node $i in it" grep -q "node$i" "$T_TMP/dom.html"
done
check "... with the script's live marker" grep -q 'live · updated' "$T_TMP/dom.html"
check "... and no console errors" sh -c "! grep -q 'Uncaught\|Refused to' '$T_TMP/chrome-dump.log'"

# A page left open: its script says in the console when a node changes.
chrome "$H" --enable-logging=stderr --v=0 --remote-debugging-port=0 \
    "$URL" >"$T_TMP/chrome-live.log" 2>&1 &
CHROME=$!
track_pid "$CHROME"
check "the open page has loaded the state" \
    wait_for 20 grep -q 'DevTools listening' "$T_TMP/chrome-live.log"
# Its first refresh records every node as online.
wait_for 5 sh -c "[ \$(ip netns exec '$H' curl -fsS '${URL}state.json' | grep -c office) -ge 1 ]"
w=$(( $(now_ms) + 2500 ))
wait_for 5 sh -c "[ \$(( \$(date +%s%N) / 1000000 )) -ge $w ]"
T_OFF=$(now_ms)
check "node 3 stops" stop_hamd "$WEB_PID3"
check "the open page shows node 3 offline within 5 s" \
    wait_for 5 grep -q 'node3 in office is now offline' "$T_TMP/chrome-live.log"
log "the page showed it after $(( $(now_ms) - T_OFF )) ms"
kill "$CHROME" 2>/dev/null
wait "$CHROME" 2>/dev/null

chrome "$H" --screenshot="$SHOT" --window-size=1280,860 --hide-scrollbars \
    --virtual-time-budget=4000 "$URL" >"$T_TMP/chrome-shot.log" 2>&1
check "a screenshot is saved with the test logs ($SHOT)" test -s "$SHOT"
log "screenshot: $SHOT"

# --- without JavaScript ----------------------------------------------------
web_get "$H" "$URL" >"$T_TMP/page.html"
check "without JavaScript the page holds the tables" \
    grep -q '<td>node1</td><td><span class="badge online">online' "$T_TMP/page.html"
check "... node 3 offline" \
    grep -q '<td>node3</td><td><span class="badge offline">offline' "$T_TMP/page.html"
check "... and reloads itself" grep -q 'http-equiv="refresh"' "$T_TMP/page.html"
check "the page loads no script or style from elsewhere" \
    sh -c "! grep -q 'src=\"http\|href=\"http' '$T_TMP/page.html'"

# --- hostile HTTP ------------------------------------------------------------
refused() {	# refused REASON: the hub's count of that refusal
	web_get "$H" "${URL}metrics" |
	    sed -n "s/^hamhubd_http_refused_total{reason=\"$1\"} //p"
}
grew() { [ "$(refused "$1")" -gt "$2" ]; }
for r in method not_found traversal oversize malformed slow busy; do
	eval "B_$r=\$(refused $r)"
done
check "path traversal is refused (400)" \
    test "$(web_code "$H" "${URL}../../etc/passwd" --path-as-is)" = 400
check "... encoded too (400)" \
    test "$(web_code "$H" "${URL}%2e%2e/%2e%2e/etc/passwd" --path-as-is)" = 400
check "... and counted" wait_for 2 grew traversal "$B_traversal"
check "a page that is not there: 404" test "$(web_code "$H" "${URL}hub.key")" = 404
check "DELETE is refused (405)" test "$(web_code "$H" "$URL" -X DELETE)" = 405
c=$(web_code "$H" "$URL" -d x=1)
check "... POST too ($c: no body is taken)" test "$c" = 405 -o "$c" = 413
check "... and counted" wait_for 2 grew method "$B_method"
c=$(web_code "$H" "$URL" -X FOO)
check "an unknown method is refused ($c)" test "$c" = 400 -o "$c" = 405 -o "$c" = 501
check "... and counted" wait_for 3 grew malformed "$B_malformed"
# raw NAME PYTHON: a raw client in the hub's namespace
raw() {
	ip netns exec "$H" python3 - "$WEB_NET.1" 9200 "$@" >"$T_TMP/raw.$1" 2>&1
}
RAW_OVERSIZE='import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n")
try:
    print(s.recv(100).split(b"\r\n")[0].decode())
except OSError as e:
    print("reset", e)'
check "oversized headers are refused" sh -c "ip netns exec '$H' python3 -c '$RAW_OVERSIZE' '$WEB_NET.1' 9200 |
    grep -q '400\|413\|reset'"
check "... and counted" wait_for 3 grew oversize "$B_oversize"
RAW_SLOW='import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
t0 = time.time()
try:
    for i in range(30):
        s.sendall(b"X-Slow-%d: y\r\n" % i)
        s.settimeout(2)
        try:
            if s.recv(100) == b"":
                break
        except socket.timeout:
            pass
except OSError:
    pass
print("closed after %.1f s" % (time.time() - t0))'
slow=$(ip netns exec "$H" python3 -c "$RAW_SLOW" "$WEB_NET.1" 9200)
log "slowloris: $slow"
check "slowloris is cut off within 15 s" \
    python3 -c "import sys; sys.exit(0 if float('$slow'.split()[2]) < 15 else 1)"
check "... and counted" wait_for 3 grew slow "$B_slow"
RAW_FLOOD='import socket, sys, time
c = []
for i in range(100):
    try:
        c.append(socket.create_connection((sys.argv[1], int(sys.argv[2])), 2))
    except OSError:
        break
time.sleep(2.5)
print(len(c))'
ip netns exec "$H" python3 -c "$RAW_FLOOD" "$WEB_NET.1" 9200 >/dev/null
check "a flood of idle connections is cut back and counted" wait_for 3 grew busy "$B_busy"
check "the server still answers after all that" \
    test "$(web_code "$H" "${URL}metrics")" = 200
web_get "$H" "${URL}metrics" | grep '^hamhubd_http' | sed 's/^/# /'

# --- the web child holds no key and has no right ------------------------------
web_pid() { hubctl "$(web_hubdir)" -j hub status | tr '{' '\n' |
    sed -n 's/.*"name":"web","pid":\([0-9]*\).*/\1/p'; }
WEB=$(web_pid)
NWEB=$(proc_pid "$(web_dir 1)" web)
check "the hub's status lists its web child" test -n "$WEB"
check "the node's too" test -n "$NWEB"
MEMSCAN="$top_builddir/tests/tools/memscan"
hex_of_key() { base64 -d < "$1" | od -An -tx1 | tr -d ' \n'; }
HUBPRIV=$(hex_of_key "$(web_hubdir)/state/hub.key")
NODEPRIV=$(hex_of_key "$(web_dir 1)/state/private.key")
AUTH=$(hubctl "$(web_hubdir)" -j hub status | tr '{' '\n' |
    sed -n 's/.*"name":"authority","pid":\([0-9]*\).*/\1/p')
out=$("$MEMSCAN" "$AUTH" "$HUBPRIV")
check "the authority holds the hub key (the scan works)" contains "$out" "found"
out=$("$MEMSCAN" "$WEB" "$HUBPRIV"); rc=$?
check "the hub's web child: memory readable" test $rc = 0
check "the hub's web child holds no hub key" contains "$out" "absent"
out=$("$MEMSCAN" "$NWEB" "$NODEPRIV")
check "the node's web child holds no node key" contains "$out" "absent"
for p in "$WEB" "$NWEB"; do
	check "web child $p: no capabilities" grep -q '^CapEff:[[:space:]]*0*$' "/proc/$p/status"
	check "web child $p: seccomp filter" grep -q '^Seccomp:[[:space:]]*2' "/proc/$p/status"
	check "web child $p: not root" sh -c "! grep -q '^Uid:[[:space:]]*0' /proc/$p/status"
	check "web child $p: chrooted" test "$(readlink "/proc/$p/root")" != /
done

if hooks "a forged admin request from the web child"; then
	# Stop the mesh's hub; start it again with the web child forging.
	stop_hamd "$HUB_PID"
	: >"$(web_hubdir)/hub.log"
	start_hub "$H" "$(web_hubdir)" HAMD_TEST_WEB_FORGE=authority
	check "a block forged by the web child ends the hub" wait_for 10 dead "$HUB_PID"
	check "... the authority refused it by its rule" grep -q \
	    'message ctl-hubd-block from web not accepted here' "$(web_hubdir)/hub.log"
	: >"$(web_hubdir)/hub.log"
	start_hub "$H" "$(web_hubdir)" HAMD_TEST_WEB_FORGE=parent
	check "a reload forged by the web child ends the hub" wait_for 10 dead "$HUB_PID"
	check "... the parent refused it" grep -q \
	    'message ctl-reload from web not accepted here' "$(web_hubdir)/hub.log"
	check "... and no reload happened" sh -c "! grep -q 'event=reload' '$(web_hubdir)/hub.log'"
	start_hub "$H" "$(web_hubdir)"
	check "the hub starts again" wait_for 10 hub_ready "$(web_hubdir)"
	check "no block was stored" test -z "$(hubctl "$(web_hubdir)" hub blocks |
	    grep -v '^no \|blocked ranges')"
	check "node 1 logs in again" wait_for 20 node_online "$(web_dir 1)"
	stop_hamd "$WEB_PID2"
	: >"$(web_dir 2)/hamd.log"
	start_hamd "$(web_ns 2)" "$(web_dir 2)" HAMD_TEST_WEB_FORGE=tun
	check "a hub request forged by a node's web child ends hamd" \
	    wait_for 10 dead "$HAMD_PID"
	check "... tun refused it by its rule" grep -q \
	    'message ctl-hub-req from web not accepted here' "$(web_dir 2)/hamd.log"
fi
finish
