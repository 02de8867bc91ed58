#!/bin/sh
# Documentation is part of the change: the man pages are clean under
# mandoc -Tlint, every hamctl command and hamd option is in its man page
# and in 'hamctl help', every hamhubd option is in hamhubd(8), and every
# keyword of hamd.conf and hamhubd.conf is in hamd.conf(5) and
# hamhubd.conf(5), and PROTOCOL.md names every message type and audit
# event.
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

# Commands, from hamctl's own table: one "name<TAB>arguments" line each.
# Several entries may share a name (set NETWORK mode ..., hub status):
# the plain lowercase words of the arguments are part of the command,
# and the man page needs an .It line with each of them as Cm, in order.
tab=$(printf '\t')
cmds=$("$top_builddir/hamctl" -j help | tr '{' '\n' |
    sed -n 's/.*"name":"\([a-z-]*\)","arguments":"\([^"]*\)".*/\1'"$tab"'\2/p')
[ -n "$cmds" ] || not_ok "hamctl -j help lists commands"
help=$("$top_builddir/hamctl" help)
set -f	# arguments such as [file] are not patterns
while IFS="$tab" read -r name args; do
	[ -n "$name" ] || continue
	cmd=$name re="^\\.It Cm $name"
	for w in $args; do
		case $w in
		*[!a-z-]*|-*) ;;	# NETWORK, [file], on|off
		*) cmd="$cmd $w" re="$re( .*)? Cm $w" ;;
		esac
	done
	if grep -Eq "$re( |\$)" "$top_srcdir/man/hamctl.8"; then
		ok "hamctl.8 documents $cmd"
	else
		not_ok "hamctl.8 lacks an '.It Cm' line for $cmd"
	fi
	syn="  $name${args:+ $args}"
	if printf '%s\n' "$help" | awk -v s="$syn" 'index($0, s) == 1 &&
	    (length($0) == length(s) || substr($0, length(s) + 1, 1) == " ") {
		f = 1 } END { exit !f }'; then
		ok "hamctl help lists $cmd"
	else
		not_ok "hamctl help lacks '$syn'"
	fi
done <<EOF
$cmds
EOF
set +f

# Each daemon's options, from the usage line it prints.
opts_of() {
	"$top_builddir/$1" -Z 2>&1 | sed -n "s/^usage: $1 //p" |
	    grep -o '\[-[a-zA-Z]*' | sed 's/^\[-//' | fold -w 1
}
dopts=$(opts_of hamd)
[ -n "$dopts" ] || not_ok "hamd prints a usage line"
for o in $dopts; do
	if grep -q "^\.It Fl $o\( \|$\)" "$top_srcdir/man/hamd.8"; then
		ok "hamd.8 documents -$o"
	else
		not_ok "hamd.8 lacks -$o"
	fi
done

hopts=$(opts_of hamhubd)
[ -n "$hopts" ] || not_ok "hamhubd prints a usage line"
for o in $hopts; do
	if grep -q "^\.It Fl $o\( \|$\)" "$top_srcdir/man/hamhubd.8"; then
		ok "hamhubd.8 documents -$o"
	else
		not_ok "hamhubd.8 lacks -$o"
	fi
done

# Keywords, from a parser's keyword table: lines like { "mtu", MTU },
check_keywords() {	# grammar man-page
	kws=$(sed -n 's/^[[:space:]]*{[[:space:]]*"\([a-z][a-z-]*\)",[[:space:]]*[A-Z_]*[[:space:]]*},.*/\1/p' \
	    "$top_srcdir/$1")
	[ -n "$kws" ] || not_ok "keywords found in $1"
	for k in $kws; do
		# as a statement (.It Ic keyword) or a value on such a line
		if grep -Eq "^\.It Ic( .*)? $k( |\$)|^\.It Ic $k( |\$)" \
		    "$top_srcdir/man/$2"; then
			ok "$2 documents $k"
		else
			not_ok "$2 lacks keyword $k"
		fi
	done
}
check_keywords daemon/parse.y hamd.conf.5
check_keywords hub/hubparse.y hamhubd.conf.5

# PROTOCOL.md names every message type between processes and every
# audit event the daemons write.
proto=$top_srcdir/PROTOCOL.md
ntypes=0
for t in $(cat "$top_srcdir/privsep/proc.h" "$top_srcdir/privsep/control.h" \
    "$top_srcdir/ctl/ctlmsg.h" "$top_srcdir/daemon/hamd_msg.h" \
    "$top_srcdir/hub/hubd_msg.h" |
    sed -n 's/^[[:space:]]*\(\(PROC_\)\{0,1\}IMSG_[A-Z0-9_]*\).*/\1/p' | sort -u); do
	case $t in PROC_IMSG_FIRST) continue ;; esac
	ntypes=$((ntypes + 1))
	if grep -q "\`$t\`" "$proto"; then ok "PROTOCOL.md documents $t"
	else not_ok "PROTOCOL.md lacks $t"; fi
done
# The headers above are where the types are: finding none means they moved.
[ "$ntypes" -gt 50 ] && ok "$ntypes message types found" ||
    not_ok "only $ntypes message types found in the message headers"
for e in $(cat "$top_srcdir"/daemon/*.c "$top_srcdir"/hub/*.c \
    "$top_srcdir"/privsep/*.c | grep -o 'audit("[a-z0-9-]*"' |
    sed 's/audit("//; s/"//' | sort -u); do
	if grep -q "^| \`$e\`\|, \`$e\`" "$proto"; then
		ok "PROTOCOL.md documents audit event $e"
	else
		not_ok "PROTOCOL.md lacks audit event $e"
	fi
done

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
