#!/bin/bash
# Stands in for certbot in tests that need a renewal without an ACME server: writes a lineage the
# way certbot does (archive/<name>/{cert,chain,fullchain,privkey}N.pem, then live/<name>/*.pem
# symlinks replaced atomically), each run a new self-signed certificate with a new serial.
#   certbot-rotate.sh --config-dir DIR (certonly|renew) --cert-name NAME [other certbot flags]
# Like certbot, a new private key gets the previous key's group bits (certbot's
# compute_private_key_mode: 0600 | old & 0074), so an ACL mask opened for nginx stays open.
# --reuse-key (the platform passes it) keeps the previous key's content in the new archive file, as
# certbot does; --new-key makes a new one.
set -euo pipefail
config="" name="" verb="" reuse=0
while [ $# -gt 0 ]; do
  case "$1" in
    --config-dir) config="$2"; shift 2 ;;
    --cert-name) name="$2"; shift 2 ;;
    certonly|renew) verb="$1"; shift ;;
    --reuse-key) reuse=1; shift ;;
    --new-key) reuse=0; shift ;;
    *) shift ;;
  esac
done
if [ -z "$config" ] || [ -z "$name" ] || [ -z "$verb" ]; then
  echo "certbot-rotate: need --config-dir, --cert-name and a verb" >&2
  exit 2
fi
archive="$config/archive/$name" live="$config/live/$name"
if [ "$verb" = certonly ]; then rm -rf "$live" "$archive"; fi
mkdir -p "$archive" "$live" "$config/renewal"
chmod 700 "$config/archive" "$config/live" "$archive" "$live"
n=1
while [ -e "$archive/cert$n.pem" ]; do n=$((n + 1)); done
mode=600
if [ "$n" -gt 1 ]; then mode=$(printf '%o' $(( 0600 | ($(stat -c '%#a' "$archive/privkey$((n - 1)).pem") & 0074) ))); fi
# The key is created with its final mode: no moment where it is readable by more.
if [ "$reuse" = 1 ] && [ "$n" -gt 1 ]; then
  (umask 077; cat "$archive/privkey$((n - 1)).pem" > "$archive/privkey$n.pem.tmp")
else
  (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$archive/privkey$n.pem.tmp" 2>/dev/null)
fi
chmod "$mode" "$archive/privkey$n.pem.tmp"
mv "$archive/privkey$n.pem.tmp" "$archive/privkey$n.pem"
openssl req -x509 -key "$archive/privkey$n.pem" -sha256 -days 20 -subj "/CN=$name" -addext "subjectAltName=DNS:$name" \
  -set_serial "0x$(openssl rand -hex 16)" -out "$archive/cert$n.pem" 2>/dev/null
cp "$archive/cert$n.pem" "$archive/chain$n.pem"
cat "$archive/cert$n.pem" "$archive/chain$n.pem" > "$archive/fullchain$n.pem"
chmod 644 "$archive/cert$n.pem" "$archive/chain$n.pem" "$archive/fullchain$n.pem"
for f in cert chain fullchain privkey; do
  ln -sfn "../../archive/$name/$f$n.pem" "$live/$f.pem.new"
  mv -T "$live/$f.pem.new" "$live/$f.pem"
done
echo "[renewalparams]" > "$config/renewal/$name.conf"
echo "certbot-rotate: $verb $name: version $n"
