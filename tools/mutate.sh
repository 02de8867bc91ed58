#!/bin/sh
# Does each rule's test fail when the rule is removed?  For every patch
# in tests/mutate (or those named), on a temporary copy of the
# committed tree (a git worktree in /tmp, removed afterwards): build
# once, run the rule's test unchanged (it must pass), apply the patch
# that removes the rule, rebuild, run the test again (it must fail, and
# its log must show the failure the patch's Expect line names), revert.
# One line a rule:
#	RULE | TEST | fails when broken: yes|no
# and a summary.  A developer's tool, not part of make check: each run
# rebuilds and runs tests, the namespace tests as root.
#
#	tools/mutate.sh [-u] [-k] [NAME...]
#	-u	unit tests only (skip the patches whose test is tests/netns/*)
#	-k	keep the temporary tree (its path is printed)
#	NAME	a patch by name (tests/mutate/NAME.patch); default: all
#
# A patch starts with lines that say what it breaks and how to see it:
#	Rule: one line, as tests/RULES.md names the rule
#	Test: tests/unit/check_x  or  tests/netns/x.sh
#	Expect: an extended regular expression that the failing test's log
#	        matches (the test case, or the "not ok" line, that catches it)
# then the diff (git diff), against the tree at HEAD.  Exit status 0
# when every rule's test failed as expected, 1 otherwise.
set -u
top=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel) || exit 2
unit_only=0 keep=0
while getopts uk o; do
	case $o in
	u) unit_only=1 ;;
	k) keep=1 ;;
	*) echo "usage: $0 [-u] [-k] [NAME...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	set -- $(cd "$top/tests/mutate" && ls *.patch | sed 's/\.patch$//')
fi
for n in "$@"; do
	[ -f "$top/tests/mutate/$n.patch" ] ||
	    { echo "$0: no tests/mutate/$n.patch" >&2; exit 2; }
done

W=/tmp/hamd-mutate-$$
LOG=$W.log
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "# kept $W (remove: git worktree remove --force $W)"
	elif [ -d "$W" ]; then
		git -C "$top" worktree remove --force "$W" 2>/dev/null ||
		    rm -rf "$W"
		git -C "$top" worktree prune
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
git -C "$top" worktree add -q --detach "$W" HEAD || exit 2
echo "# tree: $W at $(git -C "$W" rev-parse --short HEAD); logs in $LOG"
: >"$LOG"

build() {
	(cd "$W" && make -j2 >>"$LOG" 2>&1 &&
	    make -j2 check TESTS= >>"$LOG" 2>&1)
}
(cd "$W" && autoreconf -fi >>"$LOG" 2>&1 &&
    ./configure -q --enable-test-hooks >>"$LOG" 2>&1) && build ||
    { echo "# the unchanged tree does not build: see $LOG"; exit 2; }

field() { sed -n "s/^$2: *//p" "$1" | head -n 1; }

# run TEST: 0 if it passed.  Namespace tests get 15 minutes.
run() {
	case $1 in
	tests/netns/*) limit=900 ;;
	*) limit=300 ;;
	esac
	(cd "$W" && timeout "$limit" make check TESTS="$1" >>"$LOG" 2>&1)
}
logof() {
	case $1 in
	*.sh) echo "$W/${1%.sh}.log" ;;
	*) echo "$W/$1.log" ;;
	esac
}

passed=""	# tests seen to pass unchanged
total=0 caught=0 missed=""
for n in "$@"; do
	p=$top/tests/mutate/$n.patch
	rule=$(field "$p" Rule)
	t=$(field "$p" Test)
	want=$(field "$p" Expect)
	case $t in
	tests/netns/*) [ "$unit_only" = 1 ] && continue ;;
	esac
	total=$((total + 1))
	verdict=no why=""
	case " $passed " in
	*" $t "*) ;;
	*)	if run "$t"; then
			passed="$passed $t"
		else
			cp "$(logof "$t")" "$W.$n.base.log" 2>/dev/null
			why="the test fails unchanged"
		fi ;;
	esac
	if [ -z "$why" ]; then
		if ! git -C "$W" apply "$p" 2>>"$LOG"; then
			why="the patch does not apply"
		elif ! build; then
			why="the broken tree does not build"
		elif run "$t"; then
			why="the test passes"
		elif ! grep -Eq -- "$want" "$(logof "$t")"; then
			why="it failed, but not as Expect says"
		else
			verdict=yes
		fi
		cp "$(logof "$t")" "$W.$n.log" 2>/dev/null
		git -C "$W" apply -R "$p" 2>>"$LOG" && build ||
		    { echo "# cannot restore the tree after $n"; exit 2; }
	fi
	if [ "$verdict" = yes ]; then
		caught=$((caught + 1))
	else
		missed="$missed $n"
	fi
	printf '%s | %s | %s | fails when broken: %s%s\n' "$n" "$rule" "$t" \
	    "$verdict" "${why:+ ($why)}"
done
echo "# $caught of $total rules: the test fails when the rule is removed"
[ -z "$missed" ] || echo "# not shown:$missed"
[ "$caught" = "$total" ]
