#!/bin/sh
# Install what hamd needs from Debian's packages.
#   tools/deps.sh build   what building hamd needs
#   tools/deps.sh demo    that, plus what tools/demo.sh runs
#   tools/deps.sh test    that, plus everything the tests use
set -eu
BUILD="build-essential autoconf automake libtool pkg-config bison
libsodium-dev libevent-dev libseccomp-dev libcap-dev libb2-dev libsqlite3-dev
libpq-dev check libsystemd-dev
iproute2 mandoc"
# Besides the build and coreutils, the demo runs ip (iproute2, above)
# and ping, which a minimal Debian lacks.
DEMO="$BUILD iputils-ping"
TEST="$DEMO util-linux nftables iperf3 wireguard-go wireguard-tools
tshark valgrind clang libclang-rt-14-dev python3 procps kmod
tmux curl prometheus chromium fonts-dejavu-core postgresql-15
python3-zeroconf python3-scapy bind9-dnsutils dbus-daemon"

case "${1:-build}" in
build) pkgs=$BUILD ;;
demo) pkgs=$DEMO ;;
test) pkgs=$TEST ;;
*) echo "usage: tools/deps.sh build|demo|test" >&2; exit 1 ;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "tools/deps.sh: run as root (it installs packages with apt-get)" >&2
	exit 1
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
	    debconf-set-selections
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

# tests/netns/resolved.sh runs a real systemd-resolved in namespaces of
# its own.  Installing the package would turn this machine's
# /etc/resolv.conf into resolved's stub (its postinst does that), so it
# is unpacked, never installed: the version of the systemd installed
# here, into /opt/hamd-test/resolved, without its scripts.
if [ "${1:-build}" = test ] && [ ! -x /lib/systemd/systemd-resolved ] &&
    [ ! -x /opt/hamd-test/resolved/lib/systemd/systemd-resolved ] &&
    v=$(dpkg-query -W -f='${Version}' libsystemd-shared 2>/dev/null); then
	echo "unpacking systemd-resolved $v into /opt/hamd-test/resolved (not installed)"
	d=$(mktemp -d)
	if (cd "$d" && apt-get download -q "systemd-resolved=$v") &&
	    mkdir -p /opt/hamd-test &&
	    dpkg-deb -x "$d"/systemd-resolved_*.deb /opt/hamd-test/resolved; then
		:
	else
		echo "tools/deps.sh: cannot fetch systemd-resolved $v; tests/netns/resolved.sh will skip" >&2
	fi
	rm -rf "$d"
fi
