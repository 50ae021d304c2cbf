# A local stand-in for node:22-bookworm-slim, so the demo's own Dockerfiles (demo/*/Dockerfile)
# build here without a registry: the test rootfs (Debian 12 with nodejs) plus Debian's npm,
# trusting the host's CA bundle so npm reaches its registry through this machine's
# TLS-intercepting proxy. Built by demo-images.sh with the bundle in its build context.
ARG ROOTFS=local/platform-rootfs:latest
FROM ${ROOTFS}
# The rootfs also carries the old test demo app in /app; the demo images bring their own.
RUN rm -rf /app \
	&& apt-get update -qq \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null \
	&& apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY host-ca-certificates.crt /usr/local/share/host-ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca-certificates.crt
