#!/bin/sh
# Installs what a NativeAOT publish of bmspace needs on a Debian or Ubuntu build machine, for the target architecture
# given as the first argument (Docker's TARGETARCH: amd64 or arm64): clang, lld and zlib for the native link, and
# when the target is not the build machine's own architecture, the cross binutils and gcc (for the target's C
# runtime start files) and the target's zlib. Installs nothing when all of it is there already.
set -eu
target="${1:?usage: install-aot-toolchain.sh TARGETARCH (amd64 or arm64)}"
build="$(dpkg --print-architecture)"
packages="clang lld zlib1g-dev"
if [ "$target" != "$build" ]; then
  case "$target" in
    arm64) triple=aarch64-linux-gnu ;;
    amd64) triple=x86-64-linux-gnu ;;
    *) echo "install-aot-toolchain.sh: no cross toolchain known for '$target'" >&2; exit 2 ;;
  esac
  # llvm: the unversioned llvm-objcopy, which the NativeAOT publish uses to strip a foreign-architecture executable
  # (binutils' objcopy reads only the build machine's own).
  packages="$packages llvm gcc-$triple binutils-$triple zlib1g-dev:$target"
fi

missing=""
for package in $packages; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

if [ "$target" != "$build" ] && ! dpkg --print-foreign-architectures | grep -qx "$target"; then
  dpkg --add-architecture "$target"
  # Ubuntu serves other architectures from ports.ubuntu.com, not from the build architecture's mirror.
  if [ -f /etc/apt/sources.list.d/ubuntu.sources ] && ! grep -q '^Architectures:' /etc/apt/sources.list.d/ubuntu.sources; then
    . /etc/os-release
    sed -i "/^Types:/a Architectures: $build" /etc/apt/sources.list.d/ubuntu.sources
    printf 'Types: deb\nURIs: http://ports.ubuntu.com/ubuntu-ports\nSuites: %s %s-updates %s-security\nComponents: main universe\nArchitectures: %s\nSigned-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n' \
      "$VERSION_CODENAME" "$VERSION_CODENAME" "$VERSION_CODENAME" "$target" > /etc/apt/sources.list.d/ubuntu-ports.sources
  fi
fi
apt-get update -qq
# shellcheck disable=SC2086 # the list is meant to split into words
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
