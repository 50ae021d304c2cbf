# PostgreSQL with pgBackRest beside it, for archive_command (docs/engine-notes.md, section
# "pgBackRest image"). BASE is the pinned postgres:15 by digest in production, local/postgres:15 in
# the tests (tests/support/images/postgres-pgbackrest.sh): both are Debian bookworm. The official
# image also lists apt.postgresql.org, whose pgBackRest is newer; the pin takes Debian's own
# (2.45 and its security updates) in both, the version the tests run and the drill's verify check reads.
ARG BASE
FROM ${BASE}
RUN set -eux; \
	export DEBIAN_FRONTEND=noninteractive; \
	printf 'Package: pgbackrest\nPin: release o=Debian\nPin-Priority: 990\n' >/etc/apt/preferences.d/pgbackrest; \
	apt-get update -qq; \
	apt-get install -y -qq --no-install-recommends pgbackrest ca-certificates >/dev/null; \
	rm -rf /var/lib/apt/lists/*; \
	install -d -o postgres -g postgres -m 0750 /var/lib/pgbackrest /var/log/pgbackrest /var/spool/pgbackrest; \
	install -d -m 0755 /etc/pgbackrest; \
	pgbackrest version | grep -qx 'pgBackRest 2\.45'
