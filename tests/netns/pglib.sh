# A PostgreSQL 15 of the test's own: initdb and pg_ctl as nobody inside a
# namespace of the test, a role "hub" with a password (in $PG_PWFILE)
# and a database "hamd" owned by it.  Source after lib.sh and mktmp;
# then pg_require (skips without PostgreSQL) and pg_start.  The EXIT
# trap stops PostgreSQL (pg_ctl, by its recorded PID) before lib.sh's
# cleanup removes the namespaces.
PGBIN=${HAMD_PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_PW="pg-Secret-$$"

pg_require() {
	[ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] ||
	    skip "no PostgreSQL 15 in $PGBIN (apt-get install postgresql-15)"
	command -v runuser >/dev/null || skip "runuser missing (util-linux)"
}

pg_as() { ip netns exec "$PG_NS" runuser -u nobody -- "$@"; }
pg_stop() {
	[ -n "${PG:-}" ] && [ -f "$PG/data/postmaster.pid" ] &&
	    pg_as "$PGBIN/pg_ctl" -D "$PG/data" -m fast -w stop >/dev/null 2>&1
}
pg_cleanup() {
	rc=$?
	pg_stop
	(exit $rc)
	cleanup
}
trap pg_cleanup EXIT
# psql_pg SQL: as the superuser, over the socket in $PG; DB= the database
psql_pg() { "$PGBIN/psql" -X -q -A -t -h "$PG" -U hamd -d "${DB:-postgres}" -c "$1"; }

# pg_restart: start the server pg_start made (after pg_stop)
pg_restart() {
	pg_as "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/server.log" -w \
	    -o "-c listen_addresses=$PG_LISTEN -k $PG -p 5432" start \
	    >/dev/null || { cat "$PG/server.log"; return 1; }
}

# pg_start NS LISTEN HBA...: PostgreSQL in NS listening on LISTEN
# (listen_addresses), the role hub admitted with its password from each
# HBA address range; returns non-zero (having said why) if it fails.
pg_start() {
	PG_NS=$1; _listen=$2; shift 2
	PG="$T_TMP/pg"
	mkdir "$PG" && chown nobody: "$PG" && chmod 700 "$PG"
	if ! pg_as "$PGBIN/initdb" -D "$PG/data" -U hamd -A trust -E UTF8 \
	    --locale=C --no-sync >"$T_TMP/initdb.log" 2>&1; then
		cat "$T_TMP/initdb.log"
		return 1
	fi
	{
		echo "local all hamd trust"
		for _r in "$@"; do echo "host all hub $_r scram-sha-256"; done
	} > "$PG/data/pg_hba.conf"
	chown nobody: "$PG/data/pg_hba.conf"
	PG_LISTEN=$_listen
	pg_restart || return 1
	psql_pg "CREATE ROLE hub LOGIN PASSWORD '$PG_PW'"
	psql_pg "CREATE DATABASE hamd OWNER hub"
	DB=hamd psql_pg "CREATE EXTENSION citext"
	PG_PWFILE="$T_TMP/pgpass"
	(umask 077; printf '%s\n' "$PG_PW" > "$PG_PWFILE")
}

# cluster_hub_conf DIR ADDR KEYFILE: a hub of a cluster in DIR, on ADDR
# port 7777, on the database of pg_start (at $PG_ADDR), with the
# cluster's key in KEYFILE (the first hub to start makes it).
cluster_hub_conf() {
	mkdir -p "$1"
	write_hub_conf "$1" "listen on $2 port 7777" \
	    "database postgresql \"host=$PG_ADDR port=5432 dbname=hamd user=hub\" password-file \"$PG_PWFILE\"" \
	    "private-key \"$3\""
}
