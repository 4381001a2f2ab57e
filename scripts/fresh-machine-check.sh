#!/usr/bin/env bash
# Runs the README's two commands where nothing is installed: debootstraps a minimal Debian 12
# into DIR (FRESH_DIR, default /var/tmp/tobitbot-fresh, made anew), with this machine's apt
# sources and settings, puts a clean clone of HEAD into it and runs, as root there,
#   scripts/fresh-machine-check.sh [ARGS]          scripts/test.sh ARGS
#   scripts/fresh-machine-check.sh --sandbox       scripts/sandbox.sh, until its page answers and
#                                                  it says which directory it runs; then stops it
# so a package that was only ever installed by hand on the host is missing there too. It shares
# the host's network (loopback servers, package registries) and kernel. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${FRESH_DIR:-/var/tmp/tobitbot-fresh}
[ "$(id -u)" -eq 0 ] || { echo "fresh-machine-check: needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
         awk '/^deb / {print $2; exit}' /etc/apt/sources.list)
mounts=()
cleanup() {
  for ((i=${#mounts[@]}-1; i>=0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
# a run killed before its cleanup may have left /dev, /proc ... bound in there: never delete
# through them (rm would walk into the host's /dev)
{ findmnt -rno TARGET | grep -E "^$dir(/|$)" || true; } | sort -r | while read -r m; do umount -l "$m"; done
if findmnt -rno TARGET | grep -qE "^$dir(/|$)"; then
  echo "fresh-machine-check: something is still mounted under $dir; not removing it" >&2; exit 1
fi
rm -rf --one-file-system "$dir"
echo "fresh-machine-check: debootstrap bookworm into $dir"
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 ||
  { tail -20 "$dir.debootstrap.log"; exit 1; }
# the host's apt sources and settings (a snapshot, perhaps), and its CA bundle for pip and apt
rm -f "$dir/etc/apt/sources.list"
cp -a /etc/apt/sources.list.d/. "$dir/etc/apt/sources.list.d/"
cp -a /etc/apt/apt.conf.d/. "$dir/etc/apt/apt.conf.d/" 2>/dev/null || true
# (local CAs too: Debian's ca-certificates, once installed there, rebuilds the bundle from them)
mkdir -p "$dir/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"
if [ -d /usr/local/share/ca-certificates ]; then
  mkdir -p "$dir/usr/local/share/ca-certificates"
  cp -a /usr/local/share/ca-certificates/. "$dir/usr/local/share/ca-certificates/"
fi
cp /etc/resolv.conf "$dir/etc/resolv.conf"
for m in proc sys dev dev/pts; do
  mount --bind "/$m" "$dir/$m"; mounts+=("$dir/$m")
done
git clone -q --no-hardlinks . "$dir/root/tobit-chatops"
echo "fresh-machine-check: dpkg in $dir has: $(chroot "$dir" dpkg-query -W -f='${Package} ' \
  samba samba-ad-dc redis-server kamailio chromium python3 2>/dev/null || true)(none is expected)"
chroot "$dir" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
  PIP_DISABLE_PIP_VERSION_CHECK=1 CI=true \
  bash -c 'cd /root/tobit-chatops && if [ "${1:-}" = --sandbox ]; then exec bash scripts/fresh-sandbox-probe.sh; fi
            exec scripts/test.sh "$@"' fresh "$@"
