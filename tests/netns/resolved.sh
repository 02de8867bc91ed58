#!/bin/sh
# Member names through systemd-resolved: a real systemd-resolved and a
# private system bus (dbus-daemon) run in node 1's network namespace and
# in a mount namespace of this test's own (tmpfs over /run/dbus and
# /run/systemd), so nothing of the machine's own resolver is touched.
# While hamd runs, resolved has the responder's addresses as ham0's DNS
# servers with the routing domain ~hamd.internal, and a member's name
# resolves through resolved (its D-Bus API and its 127.0.0.53 stub) to
# the member's address; once hamd stops, nothing of it is left in
# resolved.  Node 2, in another network namespace on the same bus,
# does not register (resolved there would take its ham0's index for
# one of its own links).
#
# resolved comes from the systemd-resolved package, installed or only
# unpacked (tools/deps.sh test unpacks it into /opt/hamd-test/resolved
# without running its scripts, which would take over /etc/resolv.conf);
# HAMD_RESOLVED names another binary.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
RESOLVED=${HAMD_RESOLVED:-}
for r in /opt/hamd-test/resolved/lib/systemd/systemd-resolved \
    /lib/systemd/systemd-resolved /usr/lib/systemd/systemd-resolved; do
	[ -z "$RESOLVED" ] && [ -x "$r" ] && RESOLVED=$r
done
[ -n "$RESOLVED" ] || skip "systemd-resolved is not here (tools/deps.sh test unpacks it; or HAMD_RESOLVED=/path/to/systemd-resolved)"
RESOLVECTL=$(dirname "$RESOLVED")/../../usr/bin/resolvectl
[ -x "$RESOLVECTL" ] || RESOLVECTL=$(command -v resolvectl) ||
    skip "resolvectl is missing (package systemd-resolved)"
command -v dbus-daemon >/dev/null || skip "dbus-daemon is missing (apt-get install dbus-daemon)"
command -v busctl >/dev/null || skip "busctl is missing (package systemd)"
command -v unshare >/dev/null || skip "unshare is missing (util-linux)"
command -v dig >/dev/null || skip "dig is missing (apt-get install bind9-dnsutils)"

# A mount namespace of our own: the bus and resolved's runtime files
# live on tmpfs there; everything below runs inside it.
[ -n "${HAMD_RESOLVED_INNER:-}" ] ||
    exec env HAMD_RESOLVED_INNER=1 unshare -m --propagation private sh "$0" "$@"
for d in /run/dbus /run/systemd; do
	[ -d "$d" ] || skip "$d is missing: cannot put a private one over it"
	mount -t tmpfs -o mode=0755 "hamd-$T_NAME" "$d" ||
	    skip "cannot mount tmpfs over $d in a private mount namespace"
done
mktmp
# resolved drops its privileges to systemd-resolve: a private
# /etc/passwd has that user where the machine has none.
if ! getent passwd systemd-resolve >/dev/null; then
	u=64000
	while getent passwd "$u" >/dev/null || getent group "$u" >/dev/null; do
		u=$((u + 1))
	done
	cp /etc/passwd "$T_TMP/passwd"
	cp /etc/group "$T_TMP/group"
	echo "systemd-resolve:x:$u:$u:resolver:/:/usr/sbin/nologin" >> "$T_TMP/passwd"
	echo "systemd-resolve:x:$u:" >> "$T_TMP/group"
	mount --bind "$T_TMP/passwd" /etc/passwd
	mount --bind "$T_TMP/group" /etc/group
fi

S=rv-sw-$$ H=rv-h-$$
bridge_add "$S"
netns_add "$H"
bridge_join "$H" 10.77.0.1/24
for i in 1 2; do
	netns_add "rv-n$i-$$"
	bridge_join "rv-n$i-$$" "10.77.0.1$i/24"
done
ns() { echo "rv-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }

cat > "$T_TMP/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
XML
ip netns exec "$(ns 1)" dbus-daemon --config-file="$T_TMP/bus.conf" \
    --nofork --nopidfile >"$T_TMP/bus.log" 2>&1 &
track_pid $!
bus_up() { [ -S /run/dbus/system_bus_socket ] && busctl list >/dev/null 2>&1; }
wait_for 5 bus_up || skip "dbus-daemon does not start: $(cat "$T_TMP/bus.log")"
mkdir -p /run/systemd/resolve
chown systemd-resolve:systemd-resolve /run/systemd/resolve
ip netns exec "$(ns 1)" "$RESOLVED" >"$T_TMP/resolved.log" 2>&1 &
track_pid $!
resolved_up() { busctl status org.freedesktop.resolve1 >/dev/null 2>&1; }
wait_for 5 resolved_up ||
    skip "systemd-resolved does not start here: $(tail -n 3 "$T_TMP/resolved.log")"
log "systemd-resolved $("$RESOLVED" --version | head -n 1) runs in $(ns 1)"

mkdir -p "$T_TMP/hub"
write_hub_conf "$T_TMP/hub" 'listen on 10.77.0.1 port 7777'
start_hub "$H" "$T_TMP/hub"
check "hub starts" wait_for 10 hub_ready "$T_TMP/hub"
HUBKEY=$(hubctl "$T_TMP/hub" hub key)
for i in 1 2; do
	mkdir -p "$(dir "$i")"
	write_conf "$(dir "$i")" "hub \"10.77.0.1:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"Node $i\""
	start_hamd "$(ns "$i")" "$(dir "$i")"
	eval "PID$i=\$HAMD_PID"
done
for i in 1 2; do
	check "node $i logs in" wait_for 15 node_online "$(dir "$i")"
done
grep -q "built without libsystemd" "$(dir 1)/hamd.log" &&
    skip "hamd was built without libsystemd (apt-get install libsystemd-dev, then ./configure)"
check "node 1 creates office" sh -c "printf 'officepass1\n' | '$HAMCTL' -s '$(dir 1)/hamd.sock' create office"
check "node 2 joins office" sh -c "printf 'officepass1\n' | '$HAMCTL' -s '$(dir 2)/hamd.sock' join office"
V4_1=$(overlay_v4 "$(ns 1)") V6_1=$(overlay_v6 "$(ns 1)")
V4_2=$(overlay_v4 "$(ns 2)")
IDX=$(ip -n "$(ns 1)" -o link show ham0 | cut -d: -f1)
rctl() { ip netns exec "$(ns 1)" "$RESOLVECTL" "$@"; }

check "node 1 registers with resolved" wait_for 5 grep -q "systemd-resolved asks $V4_1 $V6_1 for ~hamd.internal on ham0" "$(dir 1)/hamd.log"
check "resolved has the responder as ham0's DNS servers" \
    sh -c "ip netns exec '$(ns 1)' '$RESOLVECTL' dns ham0 | grep -q ': $V4_1 $V6_1\$'"
check "with the routing domain ~hamd.internal" \
    sh -c "ip netns exec '$(ns 1)' '$RESOLVECTL' domain ham0 | grep -q ': ~hamd.internal\$'"
check "and not as the default route" \
    sh -c "ip netns exec '$(ns 1)' '$RESOLVECTL' default-route ham0 | grep -q ': no\$'"
log "$(rctl status ham0 | tr -s ' ' | tr '\n' ';')"
check "hamctl status says so" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' status | grep -qx 'names: *\*.hamd.internal; registered with systemd-resolved on ham0'"
check "  and its JSON" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' -j status | grep -q '\"names\":\"hamd.internal\",\"resolver\":\"registered with systemd-resolved on ham0\"'"
check "node 2's says why not" sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' status | grep -q 'names: .*not registered with systemd-resolved: .* another network namespace'"
check "the link, as busctl reads it" sh -c "busctl get-property org.freedesktop.resolve1 /org/freedesktop/resolve1/link/_3$IDX org.freedesktop.resolve1.Link Domains | grep -qx 'a(sb) 1 \"hamd.internal\" true'"
check "a member's name resolves through resolved" \
    sh -c "ip netns exec '$(ns 1)' '$RESOLVECTL' query --legend=no -4 node-2.office.hamd.internal | grep -q '$V4_2'"
check "and through its stub, 127.0.0.53" \
    sh -c "[ \"\$(ip netns exec '$(ns 1)' dig +short +tries=1 +time=2 @127.0.0.53 node-2.office.hamd.internal A)\" = '$V4_2' ]"
check "a name that is no member's is NXDOMAIN" \
    sh -c "ip netns exec '$(ns 1)' dig +tries=1 +time=2 @127.0.0.53 nobody.office.hamd.internal A | grep -q 'status: NXDOMAIN'"
check "node 2, in another network namespace, does not register" \
    grep -q "not registered with systemd-resolved: the systemd-resolved on the system bus (pid [0-9]*) runs in another network namespace" "$(dir 2)/hamd.log"
check "resolved knows no link of node 2" sh -c "! ip netns exec '$(ns 1)' '$RESOLVECTL' dns | grep -q '$V4_2'"

check "node 1 stops" stop_hamd "$PID1"
check "resolved has no trace of it" sh -c "! ip netns exec '$(ns 1)' '$RESOLVECTL' dns | grep -q '$V4_1'"
check "nor of the domain" sh -c "! ip netns exec '$(ns 1)' '$RESOLVECTL' domain | grep -q 'hamd.internal'"
check "nor of the link's saved state" test ! -e "/run/systemd/resolve/netif/$IDX"
check "nor the link itself" sh -c "! busctl call org.freedesktop.resolve1 /org/freedesktop/resolve1 org.freedesktop.resolve1.Manager GetLink i $IDX >/dev/null 2>&1"
check "the names no longer resolve through it" \
    sh -c "! ip netns exec '$(ns 1)' dig +short +tries=1 +time=2 @127.0.0.53 node-2.office.hamd.internal A | grep -q '$V4_2'"

# The interface goes away under a running hamd: its settings go with it.
start_hamd "$(ns 1)" "$(dir 1)"
check "node 1 comes back" wait_for 15 node_online "$(dir 1)"
registered() { ip netns exec "$(ns 1)" "$RESOLVECTL" dns ham0 2>/dev/null | grep -q ": $V4_1"; }
check "and registers again" wait_for 5 registered
check "ham0 is deleted" ip -n "$(ns 1)" link del ham0
check "resolved forgets the responder" wait_for 2 sh -c "! ip netns exec '$(ns 1)' '$RESOLVECTL' dns | grep -q '$V4_1'"
check "and the domain" sh -c "! ip netns exec '$(ns 1)' '$RESOLVECTL' domain | grep -q 'hamd.internal'"
finish
