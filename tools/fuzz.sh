#!/bin/sh
# Build every libFuzzer target in tests/fuzz with clang (ASan, UBSan) and
# run each for SECONDS (default 20).  A crash, leak or sanitizer report
# fails the run and leaves the reproducer in the work directory.
#   tools/fuzz.sh [SECONDS] [TARGET...]
# The targets and what they link are in Makefile.am (FUZZ_TARGETS); this
# builds them in a tree of their own under the work directory, configured
# with clang and coverage instrumentation everywhere.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
secs=${1:-20}
[ $# -gt 0 ] && shift
work=${FUZZ_WORK:-$(mktemp -d /tmp/hamd-fuzz.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
# A copy of the sources, configured in place: the checkout may be
# configured already, which rules out a build directory beside it.
build="$work/src"
if [ ! -f "$build/Makefile" ]; then
	mkdir -p "$build"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files -z -co --exclude-standard |
		    (cd "$top" && xargs -0 tar -cf -) | tar -xf - -C "$build"
	else
		(cd "$top" && tar -cf - --exclude=./.git .) | tar -xf - -C "$build"
		[ -f "$build/Makefile" ] && make -C "$build" -s distclean
	fi
	(cd "$build" && autoreconf -fi >/dev/null 2>&1 &&
	    ./configure -q --disable-netns-tests \
	    CC="${CC:-clang}" \
	    CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined") ||
	    { echo "fuzz: cannot configure the fuzz build (is clang installed?)"; exit 1; }
fi
make -C "$build" -s -j"$(nproc)" >"$work/build.log" 2>&1 &&
    make -C "$build" -s -j"$(nproc)" fuzzers >>"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log"; echo "fuzz: the targets do not build"; exit 1; }

targets=${*:-$(make -C "$build" -s print-fuzzers | tr ' ' '\n' | sed 's|.*/||')}
fail=0
for t in $targets; do
	bin="$build/tests/fuzz/$t"
	[ -x "$bin" ] || { echo "fuzz: no target $t"; fail=1; continue; }
	mkdir -p "$work/corpus-$t"
	# A target that can write valid inputs starts from them: mutations
	# then reach past the first length check.
	if [ -x "${bin}_seeds" ]; then
		"${bin}_seeds" "$work/corpus-$t" ||
		    echo "fuzz: $t: no seeds, starting from nothing"
	fi
	if "$bin" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 \
	    -artifact_prefix="$work/$t-" "$work/corpus-$t" >"$work/$t.log" 2>&1; then
		echo "fuzz: $t clean: $(grep -o 'Done [0-9]* runs' "$work/$t.log" | tail -n 1)"
	else
		fail=1
		echo "fuzz: $t FAILED (log and reproducer in $work)"
		tail -n 40 "$work/$t.log"
	fi
done
[ $fail = 0 ]
