#!/bin/sh
# Gateway networks: node 1 owns a network of type gateway and
# advertises the LAN behind it.  The members reach that LAN through it
# without any approval, and node 1 itself, but not each other.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/meshlib.sh"
require_root
[ -x "$HAMHUBD" ] || skip "hamhubd not built"
mktmp

L=gw-lan-$$
mesh_net gw 10.77.0 1 2 3
mesh_lan 1 "$L" lan0 192.168.50
ip -n "$L" route add 100.64.0.0/10 via 192.168.50.1

mesh_hub
for i in 1 2 3; do mesh_node "$i"; done
mesh_online 1 2 3
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
