#!/usr/bin/env bash
# Install the Debian packages the build and tests need, when missing.
# As root: apt-get install them. Otherwise: print the command and fail.
# FUZZ_DEPS=1 adds clang and its libFuzzer runtime (for `make fuzz`).
set -euo pipefail
pkgs=(gcc make pkg-config libzstd-dev libxxhash-dev zlib1g-dev libdeflate-dev libmariadb-dev librdkafka-dev kcat zstd python3 mariadb-server mariadb-client openjdk-17-jre-headless maven)
if [ "${FUZZ_DEPS:-0}" = 1 ]; then
  pkgs+=(clang libclang-rt-14-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
