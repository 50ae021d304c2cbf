# PgBouncer, the pooler between the apps and PostgreSQL (docs/engine-notes.md section 23). BASE is
# images.pgbouncer pinned by digest in production (the official postgres image: its apt lists the
# PostgreSQL project's repository, whose PgBouncer is current), local/postgres:15 with Debian
# trixie's apt source in the tests (tests/support/images/pgbouncer.sh). 1.21 is the least version:
# protocol-level prepared statements in transaction mode (max_prepared_statements).
ARG BASE
FROM ${BASE}
RUN set -eux; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq; \
	apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null; \
	rm -rf /var/lib/apt/lists/*; \
	version=$(pgbouncer --version | awk '$1 == "PgBouncer" { print $2 }'); \
	dpkg --compare-versions "$version" ge 1.21; \
	echo "PgBouncer $version"
# The image's postgres user (no root); the config and the auth file are mounted read-only.
USER postgres
STOPSIGNAL SIGINT
ENTRYPOINT ["pgbouncer"]
CMD ["/etc/pgbouncer/pgbouncer.ini"]
