#!/bin/sh
# Documentation is part of the change: the man pages are clean under
# mandoc -Tlint, every hamctl command and hamd option is in its man page
# and in 'hamctl help', and every hamd.conf keyword is in hamd.conf(5).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
fails=0 checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
not_ok() { checks=$((checks + 1)); fails=$((fails + 1)); echo "not ok $checks - $*"; }

if ! command -v mandoc >/dev/null; then
	echo "mandoc is missing: apt-get install mandoc"
	exit 1
fi
for m in "$top_srcdir"/man/*.[0-9]; do
	out=$(mandoc -Tlint -Wwarning "$m" 2>&1)
	if [ -z "$out" ]; then ok "mandoc -Tlint $(basename "$m")"
	else not_ok "mandoc -Tlint $(basename "$m"): $out"; fi
done

# Commands, from hamctl's own table.
cmds=$("$top_builddir/hamctl" -j help | tr '{' '\n' |
    sed -n 's/.*"name":"\([a-z-]*\)".*/\1/p')
[ -n "$cmds" ] || not_ok "hamctl -j help lists commands"
for c in $cmds; do
	if grep -q "^\.It Cm $c\( \|$\)" "$top_srcdir/man/hamctl.8"; then
		ok "hamctl.8 documents $c"
	else
		not_ok "hamctl.8 lacks '.It Cm $c'"
	fi
	if "$top_builddir/hamctl" help | grep -q "^  $c "; then
		ok "hamctl help lists $c"
	else
		not_ok "hamctl help lacks $c"
	fi
done

# hamd's options, from its usage line.
for o in d f n s v; do
	if grep -q "^\.It Fl $o\( \|$\)" "$top_srcdir/man/hamd.8"; then
		ok "hamd.8 documents -$o"
	else
		not_ok "hamd.8 lacks -$o"
	fi
done

# Keywords, from the parser's keyword table: lines like { "mtu", MTU },
kws=$(sed -n 's/^[[:space:]]*{[[:space:]]*"\([a-z][a-z-]*\)",[[:space:]]*[A-Z_]*[[:space:]]*},.*/\1/p' \
    "$top_srcdir/daemon/parse.y")
[ -n "$kws" ] || not_ok "keywords found in parse.y"
for k in $kws; do
	# as a statement (.It Ic keyword) or a value on such a line
	if grep -Eq "^\.It Ic( .*)? $k( |\$)|^\.It Ic $k( |\$)" "$top_srcdir/man/hamd.conf.5"; then
		ok "hamd.conf.5 documents $k"
	else
		not_ok "hamd.conf.5 lacks keyword $k"
	fi
done

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
