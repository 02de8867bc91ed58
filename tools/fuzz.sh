#!/bin/sh
# Build every libFuzzer target in tests/fuzz with clang (ASan, UBSan) and
# run each for SECONDS (default 20).  A crash, leak or sanitizer report
# fails the run and leaves the reproducer in the work directory.
#   tools/fuzz.sh [SECONDS] [TARGET...]
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
secs=${1:-20}
[ $# -gt 0 ] && shift
work=${FUZZ_WORK:-$(mktemp -d /tmp/hamd-fuzz.XXXXXX)}
mkdir -p "$work"
: > "$work/autoconf.h"
echo '#define _GNU_SOURCE 1' > "$work/autoconf.h"
echo '#include "compat/compat.h"' >> "$work/autoconf.h"
CC=${CC:-clang}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
INC="-I$work -I$top -I$top/ipc -I$top/privsep -I$top/crypto -I$top/daemon -I$top/hub -DSYSCONFDIR=\"/etc\""
PKGS="libsodium libb2 libevent_core"

# The parsers' C files come from bison.
bison -y -d -Wno-yacc -o "$work/parse.c" daemon/parse.y
bison -y -d -Wno-yacc -o "$work/hubparse.c" hub/hubparse.y

# target: the sources it needs besides itself
sources() {
	case $1 in
	fuzz_config) echo "$work/parse.c daemon/conflex.c daemon/config.c privsep/log.c crypto/key.c compat/strlcpy.c" ;;
	fuzz_hubconfig) echo "$work/hubparse.c hub/hubconfig.c daemon/conflex.c daemon/config.c privsep/log.c compat/strlcpy.c" ;;
	fuzz_imsg) echo "ipc/imsg.c" ;;
	fuzz_wire) echo "$(ls crypto/*.c | grep -v key.c) crypto/key.c" ;;
	fuzz_allowedips) echo "daemon/allowedips.c" ;;
	fuzz_offload) echo "daemon/offload.c" ;;
	fuzz_hubframe) echo "hub/hubproto.c hub/hubchan.c $(ls crypto/*.c) compat/strlcpy.c" ;;
	fuzz_framer) echo "hub/framer.c" ;;
	fuzz_relay) echo "hub/relay.c hub/relayauth.c" ;;
	fuzz_tun) echo "daemon/wg.c daemon/allowedips.c ipc/pktbatch.c ipc/imsg.c privsep/log.c $(ls crypto/*.c) compat/strlcpy.c" ;;
	fuzz_hubclient) echo "daemon/hubclient.c daemon/wg.c daemon/allowedips.c hub/hubproto.c hub/hubchan.c hub/framer.c privsep/log.c $(ls crypto/*.c) compat/strlcpy.c" ;;
	*) echo "" ;;
	esac
}

targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/||; s|\.c$||')}
fail=0
for t in $targets; do
	# shellcheck disable=SC2046,SC2086
	$CC $CFLAGS $INC -o "$work/$t" "tests/fuzz/$t.c" $(sources $t) \
	    $(pkg-config --cflags --libs $PKGS) || { echo "fuzz: $t does not build"; fail=1; continue; }
	mkdir -p "$work/corpus-$t"
	# A target that can write valid inputs (FUZZ_MAKE_SEEDS) starts
	# from them: mutations then reach past the first length check.
	if grep -q FUZZ_MAKE_SEEDS "tests/fuzz/$t.c"; then
		# shellcheck disable=SC2046,SC2086
		${CC} -g -O1 -DFUZZ_MAKE_SEEDS $INC -o "$work/$t-seeds" \
		    "tests/fuzz/$t.c" $(sources $t) \
		    $(pkg-config --cflags --libs $PKGS) &&
		    "$work/$t-seeds" "$work/corpus-$t" ||
		    echo "fuzz: $t: no seeds, starting from nothing"
	fi
	if "$work/$t" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 \
	    -artifact_prefix="$work/$t-" "$work/corpus-$t" >"$work/$t.log" 2>&1; then
		echo "fuzz: $t clean: $(grep -o 'Done [0-9]* runs' "$work/$t.log" | tail -n 1)"
	else
		fail=1
		echo "fuzz: $t FAILED (log and reproducer in $work)"
		tail -n 40 "$work/$t.log"
	fi
done
[ $fail = 0 ]
