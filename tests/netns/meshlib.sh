# A hub and its members on one bridge: the prelude most hub tests share.
# Source it after lib.sh and mktmp.
#
# mesh_net TAG NET I...: a bridge TAG-sw-$$ (S), the hub's namespace
#   TAG-h-$$ (H) at NET.1/24, and for each node I a namespace TAG-nI-$$
#   (ns I) at NET.1I/24, with its directory $T_TMP/nI (dir I).
# mesh_node_ns I: node I's namespace, after mesh_net.
# mesh_hub [LINE...]: the hub listening on NET.1 port 7777 (and LINE...
#   in its configuration), started and ready; HUBKEY is its key.
# mesh_node I [VAR=value...]: node I's hamd.conf (the hub, the nickname
#   "${MESH_NICK:-node}I", then the lines of MESH_CONF, one a line) and
#   hamd started with VAR=value... in its environment; PIDI its pid.
# mesh_online I...: a check that each of them logs in.
# mesh_addrs I...: V4_I and V6_I, each node's overlay addresses, which
#   v4 I and v6 I say.
# mesh_lan I NS IF NET: a LAN behind node I: a namespace NS whose eth0
#   (NET.10/24) is wired to node I's interface IF (NET.1/24).
# ctl I ARGS...: hamctl against node I.

ns() { echo "$MESH_TAG-n$1-$$"; }
dir() { echo "$T_TMP/n$1"; }
ctl() { _n=$1; shift; hamctl_in "$(dir "$_n")" "$@"; }

mesh_net() {
	MESH_TAG=$1 MESH_NET=$2
	shift 2
	S="$MESH_TAG-sw-$$" H="$MESH_TAG-h-$$"
	bridge_add "$S"
	netns_add "$H"
	bridge_join "$H" "$MESH_NET.1/24"
	for _i in "$@"; do mesh_node_ns "$_i"; done
}

mesh_node_ns() {
	netns_add "$(ns "$1")"
	bridge_join "$(ns "$1")" "$MESH_NET.1$1/24"
}

mesh_hub() {
	mkdir -p "$T_TMP/hub"
	write_hub_conf "$T_TMP/hub" "listen on $MESH_NET.1 port 7777" "$@"
	start_hub "$H" "$T_TMP/hub"
	check "hub starts" wait_for 10 hub_ready "$T_TMP/hub"
	HUBKEY=$(hubctl "$T_TMP/hub" hub key)
}

mesh_node() {
	_n=$1; shift
	mkdir -p "$(dir "$_n")"
	_old=$IFS
	IFS='
'
	# shellcheck disable=SC2086 # one line of MESH_CONF a word
	write_conf "$(dir "$_n")" \
	    "hub \"$MESH_NET.1:7777\" public-key \"$HUBKEY\"" \
	    "nickname \"${MESH_NICK:-node}$_n\"" ${MESH_CONF:-}
	IFS=$_old
	start_hamd "$(ns "$_n")" "$(dir "$_n")" "$@"
	eval "PID$_n=\$HAMD_PID"
}

mesh_online() {
	for _i in "$@"; do
		check "node $_i logs in" wait_for 15 node_online "$(dir "$_i")"
	done
}

mesh_addrs() {
	for _i in "$@"; do
		eval "V4_$_i=\$(overlay_v4 \"\$(ns $_i)\")"
		eval "V6_$_i=\$(overlay_v6 \"\$(ns $_i)\")"
	done
}
v4() { eval "echo \$V4_$1"; }
v6() { eval "echo \$V6_$1"; }

mesh_lan() {
	netns_add "$2"
	ip link add "l$$$3" netns "$(ns "$1")" type veth peer name eth0 \
	    netns "$2"
	ip -n "$(ns "$1")" link set "l$$$3" name "$3"
	ip -n "$(ns "$1")" addr add "$4.1/24" dev "$3"
	ip -n "$(ns "$1")" link set "$3" up
	ip -n "$2" addr add "$4.10/24" dev eth0
	ip -n "$2" link set eth0 up
}
