#!/bin/sh
# The tree's layout holds (README, "Layout"): folders depend downwards
# only (proto/ on ipc/ and crypto/, never privsep/), every include names
# its folder, daemon/ and hub/ never reach
# into each other and hamctl into neither, no two files of a folder
# include each other (directly or around a circle), and no production
# file grows past 1,000 lines unless its top says why it reads best
# whole.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
cd "$top_srcdir" || exit 1
fails=0 checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
not_ok() { checks=$((checks + 1)); fails=$((fails + 1)); echo "not ok $checks - $*"; }

if ! command -v python3 >/dev/null; then
	echo "python3 is missing: apt-get install python3"
	exit 1
fi

out=$(python3 - <<'PY'
import os, re, sys

# What each folder may include besides itself (DESIGN.md, "Layout"):
# downwards only.  Of ctl/ the daemons take ctlmsg.h alone, the
# control-socket messages; hamctl's own files are not theirs.
DEPS = {
    'compat': set(),
    'ipc': {'compat'},
    'crypto': {'compat'},
    'privsep': {'compat', 'ipc', 'crypto'},
    'proto': {'compat', 'ipc', 'crypto'},
    'ctl': {'compat', 'ipc', 'crypto', 'privsep', 'proto'},
    'daemon': {'compat', 'ipc', 'crypto', 'privsep', 'proto', 'ctl'},
    'hub': {'compat', 'ipc', 'crypto', 'privsep', 'proto', 'ctl'},
}
RANK = DEPS
SHARED = {'ctl/ctlmsg.h'}
GENERATED = {'autoconf.h', 'daemon/parse.h', 'hub/hubparse.h',
             'daemon/parse.c', 'hub/hubparse.c'}
MAXLINES = 1000

inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
files = []
for d in RANK:
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if f.endswith(('.c', '.h', '.y')) and p not in GENERATED:
            files.append(p)

bad = []
edges = {}
for f in files:
    d = f.split('/')[0]
    text = open(f).read()
    mod = os.path.splitext(f)[0]
    for h in inc.findall(text):
        if h in GENERATED:
            continue
        if '/' not in h:
            bad.append('%s includes "%s" without its folder' % (f, h))
            continue
        hd = h.split('/')[0]
        if not os.path.exists(h):
            bad.append('%s includes "%s", which does not exist' % (f, h))
            continue
        if hd == d:
            hmod = os.path.splitext(h)[0]
            if hmod != mod:
                edges.setdefault(mod, set()).add(hmod)
            continue
        if hd not in DEPS:
            bad.append('%s includes %s from outside the layout' % (f, h))
        elif hd not in DEPS[d]:
            bad.append('%s (%s/) includes %s (%s/): upwards or sideways'
                       % (f, d, h, hd))
        elif hd == 'ctl' and d in ('daemon', 'hub') and h not in SHARED:
            bad.append('%s includes %s: of ctl/ only %s is shared'
                       % (f, h, ', '.join(sorted(SHARED))))
    n = text.count('\n')
    if n > MAXLINES and 'reads best whole' not in text[:3000].lower():
        bad.append('%s has %d lines: split it, or say at its top why it '
                   'reads best whole' % (f, n))

# What the objects call, where they are built (top_builddir): a call
# is an edge too, declared in whatever header.  A function that one
# file defines and another of the same folder calls must not call back.
import subprocess
objdir = os.environ.get('top_builddir', '.')
defined, calls = {}, {}
for f in files:
    if not f.endswith('.c'):
        continue
    o = os.path.join(objdir, os.path.splitext(f)[0] + '.o')
    if not os.path.exists(o):
        continue
    mod = os.path.splitext(f)[0]
    try:
        out = subprocess.run(['nm', '-P', o], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        continue
    for line in out.splitlines():
        p = line.split()
        if len(p) < 2:
            continue
        if p[1] in ('T', 'D', 'B', 'R'):
            defined[p[0]] = mod
        elif p[1] == 'U':
            calls.setdefault(mod, set()).add(p[0])
for mod, syms in calls.items():
    d = mod.split('/')[0]
    for sym in syms:
        tgt = defined.get(sym)
        if tgt is None or tgt == mod:
            continue
        td = tgt.split('/')[0]
        if td == d:
            edges.setdefault(mod, set()).add(tgt)
        elif td not in DEPS.get(d, set()):
            bad.append('%s calls %s of %s (%s/): upwards or sideways'
                       % (mod + '.c', sym, tgt + '.c', td))

# Circles inside a folder, between modules (a .c and its .h are one).
state = {}
def visit(m, path):
    state[m] = 1
    for n in sorted(edges.get(m, ())):
        if state.get(n) == 1:
            cyc = path[path.index(n):] + [n]
            bad.append('circle: ' + ' -> '.join(cyc))
        elif n not in state:
            visit(n, path + [n])
    state[m] = 2
for m in sorted(edges):
    if m not in state:
        visit(m, [m])

for b in bad:
    print('BAD ' + b)
print('FILES %d' % len(files))
PY
)
n=$(echo "$out" | sed -n 's/^FILES //p')
[ -n "$n" ] || { echo "not ok 1 - layout check ran"; exit 1; }
ok "$n files read"
echo "$out" | grep '^BAD ' | sed 's/^BAD //' > "${TMPDIR:-/tmp}/layout.$$"
while IFS= read -r line; do
	not_ok "$line"
done < "${TMPDIR:-/tmp}/layout.$$"
rm -f "${TMPDIR:-/tmp}/layout.$$"
[ $fails -eq 0 ] && ok "folders depend downwards only, no circles, no file too long"
echo "$((checks - fails)) passed, $fails failed"
[ $fails -eq 0 ]
