#!/bin/sh
# Install everything the tests need, build hamd with its test hooks, and
# run every test: unit tests, documentation checks and the integration
# tests in network namespaces.  Run as root from the source tree.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh test
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --enable-test-hooks
make -j"$(nproc)"
make -j"$(nproc)" check || { tools/test-summary.sh; exit 1; }
tools/test-summary.sh
