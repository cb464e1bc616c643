#!/usr/bin/env bash
# Installs, when missing, the Debian packages whose real programs the tests
# drive: etcdctl (the etcd endpoint's compatibility test), skopeo (the
# registry's pull test) and chromium (the console's browser tests). As root
# it installs them with apt; otherwise it says what to install and the tests
# that need a missing program fail or skip with the same advice.
set -euo pipefail

missing=()
command -v etcdctl >/dev/null || missing+=(etcd-client)
command -v skopeo >/dev/null || missing+=(skopeo)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "test-deps: missing ${missing[*]}; install them as root: apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "test-deps: installing ${missing[*]} from Debian's packages" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
