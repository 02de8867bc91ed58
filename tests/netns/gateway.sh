#!/bin/sh
# Gateway networks: node 1 owns a network of type gateway and
# advertises the LAN behind it.  The members reach that LAN through it
# without any approval, and node 1 itself, but not each other.
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp

S=gw-sw-$$ H=gw-h-$$ L=gw-lan-$$
bridge_add "$S"
netns_add "$H"
bridge_join "$H" 10.77.0.1/24
for i in 1 2 3; do
	netns_add "gw-n$i-$$"
	bridge_join "gw-n$i-$$" "10.77.0.1$i/24"
done
ns() { echo "gw-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }
netns_add "$L"
ip link add "g$$a" netns "$(ns 1)" type veth peer name eth0 netns "$L"
ip -n "$(ns 1)" link set "g$$a" name lan0
ip -n "$(ns 1)" addr add 192.168.50.1/24 dev lan0
ip -n "$(ns 1)" link set lan0 up
ip -n "$L" addr add 192.168.50.10/24 dev eth0
ip -n "$L" link set eth0 up
ip -n "$L" route add 100.64.0.0/10 via 192.168.50.1

mkdir -p "$T_TMP/hub"
write_hub_conf "$T_TMP/hub" 'listen on 10.77.0.1 port 7777'
start_hub "$H" "$T_TMP/hub"
check "hub starts" wait_for 10 hub_ready "$T_TMP/hub"
HUBKEY=$(hubctl "$T_TMP/hub" hub key)
for i in 1 2 3; do
	mkdir -p "$(dir "$i")"
	write_conf "$(dir "$i")" "hub \"10.77.0.1:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"node$i\""
	start_hamd "$(ns "$i")" "$(dir "$i")"
done
for i in 1 2 3; do
	check "node $i logs in" wait_for 15 node_online "$(dir "$i")"
done
ctl() { n=$1; shift; hamctl_in "$(dir "$n")" "$@"; }
check "node 1 creates a gateway network" sh -c "printf 'officepass1\n' | '$HAMCTL' -s '$(dir 1)/hamd.sock' create office gateway"
check "networks says so" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' networks | grep -q 'office .*gateway'"
for i in 2 3; do
	check "node $i joins" sh -c "printf 'officepass1\n' | '$HAMCTL' -s '$(dir "$i")/hamd.sock' join office"
done
V4_1=$(overlay_v4 "$(ns 1)") V4_3=$(overlay_v4 "$(ns 3)")
check "node 1 advertises its LAN" ctl 1 route advertise 192.168.50.0/24
check "it counts as approved at once" sh -c "'$HAMCTL' -s '$(dir 1)/hamd.sock' routes office | grep -q '192.168.50.0/24 *approved'"
for i in 2 3; do
	check "node $i reaches the gateway" wait_for 10 pings "$(ns "$i")" "$V4_1"
	check "node $i reaches the LAN host through it" wait_for 10 pings "$(ns "$i")" 192.168.50.10 -W 1
done
check "the members do not reach each other" sh -c "! ip netns exec '$(ns 2)' ping -q -c 2 -W 1 '$V4_3' >/dev/null 2>&1"
check "nor do they have each other as peers" sh -c "! '$HAMCTL' -s '$(dir 2)/hamd.sock' peers | grep -q node3"
check "a member's own advertisement needs an approval" sh -c "'$HAMCTL' -s '$(dir 2)/hamd.sock' route advertise 10.9.0.0/16 && '$HAMCTL' -s '$(dir 1)/hamd.sock' routes office | grep -q '10.9.0.0/16 *advertised'"
check "node 1 withdraws its LAN" ctl 1 route withdraw 192.168.50.0/24
check "the members stop routing it" wait_for 2 sh -c "! ip -n '$(ns 2)' route show 192.168.50.0/24 | grep -q ham0 && ! ip -n '$(ns 3)' route show 192.168.50.0/24 | grep -q ham0"
finish
