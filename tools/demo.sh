#!/bin/sh
# The demo: install the build dependencies, build hamd, start it in a
# network namespace of its own with a throw-away state directory, and
# show what hamctl sees.  Nothing outside the namespace and a temporary
# directory is touched; everything is removed at the end.
#   tools/demo.sh          run, show, stop
#   tools/demo.sh -k       keep hamd running until Enter is pressed
set -eu
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "-k" ] && keep=1
if [ "$(id -u)" != 0 ]; then
	echo "tools/demo.sh: run as root: hamd creates network devices" >&2
	exit 1
fi
tools/deps.sh build
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

ns="hamd-demo-$$"
dir=$(mktemp -d /tmp/hamd-demo.XXXXXX)
chmod 755 "$dir"
pid=""
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns delete "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat > "$dir/hamd.conf" <<CONF
# The demo's configuration: children run as nobody, everything in $dir.
user "nobody"
state-directory "$dir/state"
chroot "$dir/state/empty"
socket "$dir/hamd.sock"
CONF
ip netns add "$ns"
echo "--- starting hamd in network namespace $ns"
ip netns exec "$ns" ./hamd -d -f "$dir/hamd.conf" 2>"$dir/hamd.log" &
pid=$!
i=0
until ./hamctl -s "$dir/hamd.sock" status >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "hamd did not start:"; cat "$dir/hamd.log"; exit 1
	fi
	sleep 0.1
done
echo "--- hamctl status"
./hamctl -s "$dir/hamd.sock" status
echo "--- hamctl -j status"
./hamctl -s "$dir/hamd.sock" -j status
echo "--- hamd's log so far"
cat "$dir/hamd.log"
if [ $keep = 1 ]; then
	echo "--- hamd runs; try: ./hamctl -s $dir/hamd.sock help"
	echo "--- press Enter to stop it"
	read -r _
fi
echo "--- stopping hamd"
