# PostgreSQL with pgBackRest beside it, for archive_command (docs/engine-notes.md, section
# "pgBackRest image"). BASE is the pinned postgres:15 by digest in production, local/postgres:15
# (Debian bookworm) in the tests (tests/support/images/postgres-pgbackrest.sh). The official image
# also lists apt.postgresql.org, whose pgBackRest moves on its own; the pin takes the base suite's
# Debian package instead (2.45 on bookworm; the official image's suite may be newer, e.g. trixie's
# 2.5x), so the version changes only with the reviewed base digest. No version is asserted here:
# a base on another suite must still build. The drill's verify check reads both the exit code and
# the report's "status: error" (2.45 exits 0 on a bad file).
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
	pgbackrest version
