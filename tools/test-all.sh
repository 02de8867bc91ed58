#!/bin/sh
# Install everything the tests need, build hamd with its test hooks, and
# run every test: unit tests, documentation checks and the integration
# tests in network namespaces.  Run as root from the source tree.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh test
[ -x configure ] || autoreconf -fi
# The tests need the hooks and the namespace tests built in, and this
# tree may have been configured otherwise before (tools/demo.sh
# configures without hooks, a packager without either): configure
# again unless the Makefile says both are on.
if [ "$(make -s print-test-config 2>/dev/null)" != \
    "test-hooks=yes netns-tests=yes" ]; then
	echo "configuring with --enable-test-hooks for the tests"
	./configure -q --enable-test-hooks
fi
make -j"$(nproc)"
make -j"$(nproc)" check || { tools/test-summary.sh; exit 1; }
tools/test-summary.sh
