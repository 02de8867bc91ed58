#!/bin/sh
# The demo: install the build dependencies, build, then start a hub
# (hamhubd) and three nodes (hamd), each in a network namespace of its
# own on one bridge, create a network on the first node, join the other
# two, and ping across the overlay.  Nothing outside the namespaces and a
# temporary directory is touched; everything is removed at the end.
#   tools/demo.sh          run, show, stop
#   tools/demo.sh -k       keep everything running until Enter is pressed
set -eu
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "-k" ] && keep=1
if [ "$(id -u)" != 0 ]; then
	echo "tools/demo.sh: run as root: hamd creates network devices" >&2
	exit 1
fi
tools/deps.sh demo
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

tag=$$
dir=$(mktemp -d /tmp/hamd-demo.XXXXXX)
chmod 755 "$dir"
pids=""
namespaces=""
port=0
cleanup() {
	set +e
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	for n in $namespaces; do ip netns delete "$n" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns() {	# netns NAME ADDRESS: a namespace on the demo's bridge
	ip netns add "$1"
	namespaces="$namespaces $1"
	ip -n "$1" link set lo up
	[ -z "$2" ] && return
	port=$((port + 1))
	ip link add "dm$tag-$port" netns "demo-sw-$tag" type veth \
	    peer name eth0 netns "$1"
	ip -n "demo-sw-$tag" link set "dm$tag-$port" master br0 up
	ip -n "$1" addr add "$2" dev eth0
	ip -n "$1" link set eth0 up
}
# wait_until SECONDS WHAT COMMAND...: poll, with a dot per second
wait_until() {
	limit=$1; what=$2; shift 2
	printf '    waiting for %s ' "$what"
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $((i % 10)) = 0 ] && printf '.'
		if [ $i -gt $((limit * 10)) ]; then
			echo " gave up after $limit s; logs:"
			tail -n 20 "$dir"/*/*.log
			exit 1
		fi
		sleep 0.1
	done
	echo " done"
}

netns "demo-sw-$tag" ""
ip -n "demo-sw-$tag" link add br0 type bridge
ip -n "demo-sw-$tag" link set br0 up
netns "demo-hub-$tag" 10.99.0.1/24
for i in 1 2 3; do netns "demo-n$i-$tag" "10.99.0.1$i/24"; done

echo "--- starting the hub (hamhubd) on 10.99.0.1"
mkdir "$dir/hub"
cat > "$dir/hub/hamhubd.conf" <<CONF
# The demo hub: children run as nobody, everything in $dir/hub.
user "nobody"
state-directory "$dir/hub/state"
chroot "$dir/hub/state/empty"
socket "$dir/hub/hub.sock"
listen on 10.99.0.1 port 7777
CONF
ip netns exec "demo-hub-$tag" ./hamhubd -d -f "$dir/hub/hamhubd.conf" \
    2>"$dir/hub/hub.log" &
pids="$pids $!"
wait_until 10 "the hub" ./hamctl -s "$dir/hub/hub.sock" hub key
hubkey=$(./hamctl -s "$dir/hub/hub.sock" hub key)
echo "    hub key: $hubkey"

for i in 1 2 3; do
	echo "--- starting node $i (hamd) on 10.99.0.1$i"
	mkdir "$dir/n$i"
	cat > "$dir/n$i/hamd.conf" <<CONF
user "nobody"
state-directory "$dir/n$i/state"
chroot "$dir/n$i/state/empty"
socket "$dir/n$i/hamd.sock"
hub "10.99.0.1:7777" public-key "$hubkey"
nickname "node$i"
CONF
	ip netns exec "demo-n$i-$tag" ./hamd -d -f "$dir/n$i/hamd.conf" \
	    2>"$dir/n$i/hamd.log" &
	pids="$pids $!"
done
ctl() { n=$1; shift; ./hamctl -s "$dir/n$n/hamd.sock" "$@"; }
online() { ctl "$1" status | grep -q '^hub:.*online'; }
for i in 1 2 3; do wait_until 15 "node $i to log in" online "$i"; done

echo "--- node 1: hamctl create demo-lan (password from standard input)"
echo "demo-password" | ctl 1 create demo-lan
for i in 2 3; do
	echo "--- node $i: hamctl join demo-lan"
	echo "demo-password" | ctl "$i" join demo-lan
done
echo "--- node 1: hamctl members demo-lan"
ctl 1 members demo-lan
addr() { ip -n "demo-n$1-$tag" -4 -o addr show dev ham0 |
    sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p'; }
for from in 1 2 3; do
	for to in 1 2 3; do
		[ "$from" = "$to" ] && continue
		echo "--- node $from pings node $to at $(addr "$to")"
		ping1() { ip netns exec "demo-n$from-$tag" ping -c 1 -W 1 \
		    "$(addr "$to")"; }
		wait_until 10 "an answer" ping1
	done
done
echo "--- node 2: hamctl status"
ctl 2 status
echo "--- node 2: hamctl peers"
ctl 2 peers
echo "--- the hub: hamctl hub status"
./hamctl -s "$dir/hub/hub.sock" hub status
if [ $keep = 1 ]; then
	echo "--- running; try: ./hamctl -s $dir/n1/hamd.sock help"
	echo "---          and: ./hamctl -s $dir/hub/hub.sock hub nodes"
	echo "--- press Enter to stop everything"
	read -r _
fi
echo "--- stopping the hub and the nodes"
