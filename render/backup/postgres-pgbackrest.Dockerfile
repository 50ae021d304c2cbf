# PostgreSQL with pgBackRest beside it, for archive_command (docs/engine-notes.md, section
# "pgBackRest image"). BASE is the pinned postgres:15 by digest in production, local/postgres:15 in
# the tests (tests/support/images/postgres-pgbackrest.sh): both are Debian bookworm, so the same
# apt-get line installs pgBackRest from the base's own package sources.
ARG BASE
FROM ${BASE}
RUN set -eux; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq; \
	apt-get install -y -qq --no-install-recommends pgbackrest ca-certificates >/dev/null; \
	rm -rf /var/lib/apt/lists/*; \
	install -d -o postgres -g postgres -m 0750 /var/lib/pgbackrest /var/log/pgbackrest /var/spool/pgbackrest; \
	install -d -m 0755 /etc/pgbackrest; \
	pgbackrest version
