#!/bin/sh
# Print the results of the last 'make check' as one line per failing test
# and a closing "N passed, N failed" line.
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
for trs in $(find . -name '*.trs' -not -path './hamd-*'); do
	r=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
	case $r in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)); echo "skipped: ${trs%.trs}" ;;
	*) fail=$((fail + 1)); echo "failed: ${trs%.trs} (see ${trs%.trs}.log)" ;;
	esac
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
