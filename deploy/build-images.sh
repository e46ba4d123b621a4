#!/usr/bin/env bash
# Builds the bmspace images on a machine that cannot reach an image registry (the test machines), and prints the tags
# it made, one per line:
#   localhost/bmspace:VERSION            the repository's Dockerfile, linux/amd64
#   localhost/bmspace:VERSION-arm64      the same Dockerfile cross-built for linux/arm64 (cannot run here)
#   localhost/bmspace-addon:VERSION      the Home Assistant add-on's Dockerfile, amd64, on the image above
#
# The Dockerfiles name official bases (mcr.microsoft.com/dotnet/..., ghcr.io/home-assistant/...) that cannot be pulled
# here, so this script makes stand-ins under those names and builds with pulls disabled; the Dockerfiles themselves
# stay what a user builds with the official bases:
#   - the SDK stage's base: Debian bookworm (debootstrap --variant=minbase) with clang, lld, the aarch64 cross
#     toolchain and zlib for both architectures, and this machine's .NET SDK;
#   - runtime-deps chiseled: the few libraries the executable loads, extracted from Debian's packages of the target
#     architecture (libc6, libgcc-s1, libstdc++6, libssl3, zlib1g), the CA bundle and the "app" user;
#   - the add-on's Debian base: the bookworm minbase with the Debian packages Home Assistant's base installs.
# Stand-ins and the bookworm tree are cached in $BUILD_IMAGES_CACHE (not BMSPACE_...: bmspace reads every BMSPACE_
# variable as configuration; default ~/.cache/bmspace/images) with a private
# podman store, so a second run rebuilds only bmspace, and only when what its build reads changed (a hash of those
# files is a label of the image). NuGet packages come from this machine's cache (mounted into
# the build). Builds with podman (vfs storage: the only driver that works here); with --load it also copies each
# image into the Docker daemon of $DOCKER_HOST (`podman save | docker load`), where the tests run them.
#
# Usage: deploy/build-images.sh [--load] [--no-arm64] [--no-addon]
# Needs: podman, debootstrap, apt-get (with arm64 as a foreign architecture for --arm64), the .NET SDK; root.
set -euo pipefail
cd "$(dirname "$0")/.."

load=0 arm64=1 addon=1
for argument in "$@"; do
  case "$argument" in
    --load) load=1 ;;
    --no-arm64) arm64=0 ;;
    --no-addon) addon=0 ;;
    *) echo "usage: deploy/build-images.sh [--load] [--no-arm64] [--no-addon]" >&2; exit 2 ;;
  esac
done

cache="${BUILD_IMAGES_CACHE:-$HOME/.cache/bmspace/images}"
mkdir -p "$cache"
podman_() {
  podman --root "$cache/podman/root" --runroot "$cache/podman/run" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend file "$@"
}
log() { echo "build-images: $*" >&2; }

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
dotnet_version=$(sed -n 's/^ARG DOTNET_VERSION=//p' Dockerfile)
# The images the Dockerfile's two FROM lines name, with its ARG default filled in.
mapfile -t bases < <(sed -n 's/^FROM \(--platform=[^ ]* \)\{0,1\}\([^ ]*\).*/\2/p' Dockerfile | sed "s/\${DOTNET_VERSION}/$dotnet_version/")
sdk_image="${bases[0]}"
runtime_image="${bases[1]}"
addon_dir=deploy/home-assistant/bmspace
addon_base=$(sed -n 's/^  amd64: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$addon_dir/build.yaml")
# The add-on's Dockerfile takes the program from the published image of the same version.
addon_program_image=$(sed -n 's/^ARG BMSPACE_IMAGE=//p' "$addon_dir/Dockerfile")

has_image() { podman_ image exists "$1"; }

# What a build reads, as one hash, kept on the image as a label: an image whose label matches is up to date, and
# this run reuses it (a second test run without changes skips both NativeAOT publishes).
inputs_hash() {
  find "$@" -type f -not -path '*/bin/*' -not -path '*/obj/*' -not -name '*.md' -print0 | sort -z | xargs -0 sha256sum \
    | sha256sum | cut -c1-32
}
label_key=io.bmspace.build-inputs
up_to_date() {
  local tag="$1" hash="$2"
  has_image "$tag" && [ "$(podman_ image inspect --format "{{ index .Labels \"$label_key\" }}" "$tag")" = "$hash" ]
}

# Debian bookworm, minimal: the root of the SDK stand-in and of the add-on base stand-in.
bookworm_minbase() {
  local tar="$cache/bookworm-minbase-amd64.tar"
  if [ ! -s "$tar" ]; then
    local mirror
    # The first Debian archive this machine's apt uses (deb822 "URIs:" or one-line "deb URL" form).
    mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
      | sed -n -e 's/^URIs: *\([^ ]*\).*/\1/p' -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\).*/\2/p' \
      | grep '/debian$' | sed -n 1p || true)
    local root
    root=$(mktemp -d)
    log "debootstrap --variant=minbase bookworm from ${mirror:-http://deb.debian.org/debian} (about a minute)"
    debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    # mktemp made the folder 0700: as the image's / it would shut every user but root out of the whole tree.
    chmod 755 "$root"
    tar -C "$root" -cf "$tar.partial" .
    rm -rf "$root"
    mv "$tar.partial" "$tar"
  fi
  if ! has_image localhost/bmspace-standin/bookworm:minbase; then
    podman_ import --quiet "$tar" localhost/bmspace-standin/bookworm:minbase >/dev/null
  fi
}

sdk_standin() {
  has_image "$sdk_image" && return
  bookworm_minbase
  local dotnet_root
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  local context
  context=$(mktemp -d)
  cat >"$context/Containerfile" <<'EOF'
FROM localhost/bmspace-standin/bookworm:minbase
RUN dpkg --add-architecture arm64 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates libicu72 clang lld llvm \
    zlib1g-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu zlib1g-dev:arm64 >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && cp /mnt/host-ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
EOF
  log "SDK stand-in $sdk_image: bookworm, clang, cross toolchain, the .NET SDK of $dotnet_root"
  # The build context is the SDK's parent folder, so COPY takes the SDK folder by its own name.
  sed -i "s:^COPY dotnet :COPY $(basename "$dotnet_root") :" "$context/Containerfile"
  # This machine's CA bundle too: NuGet's HTTPS may pass through a proxy whose CA only this machine trusts.
  podman_ build --quiet --network host --pull=never --layers=false -f "$context/Containerfile" \
    -v /etc/ssl/certs/ca-certificates.crt:/mnt/host-ca-certificates.crt:ro -t "$sdk_image" "$(dirname "$dotnet_root")" >/dev/null
  rm -rf "$context"
}

# runtime-deps chiseled, for one Debian architecture (amd64 or arm64), tagged localhost/bmspace-standin/runtime-deps:ARCH.
runtime_standin() {
  local arch="$1"
  local tag="localhost/bmspace-standin/runtime-deps:$arch"
  has_image "$tag" && return
  local work
  work=$(mktemp -d)
  log "runtime-deps stand-in for $arch from Debian's packages"
  (cd "$work" && apt-get download -qq "libc6:$arch" "libgcc-s1:$arch" "libstdc++6:$arch" "libssl3:$arch" "zlib1g:$arch" 2>/dev/null)
  mkdir "$work/root"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  local root="$work/root"
  rm -rf "$root"/usr/share "$root"/usr/lib/*/gconv "$root"/usr/bin "$root"/usr/sbin "$root"/usr/libexec "$root"/etc/ld.so.conf.d
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/app"
  chmod 1777 "$root/tmp"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:1654:1654::/home/app:/usr/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' >"$root/etc/group"
  chown 1654:1654 "$root/home/app"
  tar -C "$root" -c . | podman_ import --quiet --arch "$arch" - "$tag" >/dev/null
  rm -rf "$work"
}

# Home Assistant's Debian base: bookworm with what its Dockerfile installs from Debian (bash, jq, tzdata, curl and
# ca-certificates, so libssl3 and the CA bundle too); its s6-overlay, bashio and tempio are not needed, since the
# add-on starts bmspace as PID 1.
addon_base_standin() {
  has_image "$addon_base" && return
  bookworm_minbase
  log "add-on base stand-in $addon_base: bookworm with Home Assistant's base packages"
  local context
  context=$(mktemp -d)
  cat >"$context/Containerfile" <<'EOF'
FROM localhost/bmspace-standin/bookworm:minbase
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bash jq tzdata curl ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
EOF
  podman_ build --quiet --format docker --network host --pull=never --layers=false -t "$addon_base" "$context" \
    >"$cache/build-addon-base.log" 2>&1 || {
      tail -n 40 "$cache/build-addon-base.log" >&2
      exit 1
    }
  rm -rf "$context"
}

build_bmspace() {
  local arch="$1" tag="$2"
  local hash
  hash=$(inputs_hash Dockerfile global.json Directory.Build.props .editorconfig src deploy/docker)
  if up_to_date "$tag" "$hash"; then
    log "$tag is up to date (its build inputs are unchanged)"
    return
  fi
  runtime_standin "$arch"
  podman_ tag "localhost/bmspace-standin/runtime-deps:$arch" "$runtime_image"
  log "building $tag (linux/$arch) from Dockerfile"
  # podman 4.3 leaves BUILDPLATFORM unset: the SDK stage runs on this machine's own architecture.
  # Docker's image format: the OCI format has no HEALTHCHECK, and podman drops it from the image with a warning.
  podman_ build --format docker --network host --pull=never --layers=false --platform "linux/$arch" \
    --build-arg "BUILDPLATFORM=linux/$(dpkg --print-architecture)" \
    --label "$label_key=$hash" \
    -v "$HOME/.nuget/packages:/root/.nuget/packages" -t "$tag" -f Dockerfile . >"$cache/build-$arch.log" 2>&1 || {
      tail -n 40 "$cache/build-$arch.log" >&2
      exit 1
    }
  podman_ untag "localhost/bmspace-standin/runtime-deps:$arch" "$runtime_image"
}

sdk_standin
tags=()
build_bmspace amd64 "localhost/bmspace:$version"
tags+=("localhost/bmspace:$version")
if [ "$arm64" = 1 ]; then
  build_bmspace arm64 "localhost/bmspace:$version-arm64"
  tags+=("localhost/bmspace:$version-arm64")
fi
addon_hash="$(inputs_hash "$addon_dir")-$(podman_ image inspect --format '{{.Id}}' "localhost/bmspace:$version" | cut -c1-16)"
if [ "$addon" = 1 ] && up_to_date "localhost/bmspace-addon:$version" "$addon_hash"; then
  log "localhost/bmspace-addon:$version is up to date (its folder and program image are unchanged)"
  tags+=("localhost/bmspace-addon:$version")
elif [ "$addon" = 1 ]; then
  addon_base_standin
  program_image="${addon_program_image//\$\{BUILD_VERSION\}/$version}"
  podman_ tag "localhost/bmspace:$version" "$program_image"
  log "building localhost/bmspace-addon:$version from $addon_dir/Dockerfile on $addon_base"
  # With layers: podman 4.3 with --layers=false deletes the image of a stage that is only a FROM line (here the program
  # image, under all its tags) when the build ends.
  podman_ build --format docker --network host --pull=never --platform linux/amd64 \
    --build-arg "BUILD_FROM=$addon_base" --build-arg "BUILD_VERSION=$version" --build-arg BUILD_ARCH=amd64 \
    --label "$label_key=$addon_hash" \
    -t "localhost/bmspace-addon:$version" "$addon_dir" >"$cache/build-addon.log" 2>&1 || {
      tail -n 40 "$cache/build-addon.log" >&2
      exit 1
    }
  podman_ untag "localhost/bmspace:$version" "$program_image"
  tags+=("localhost/bmspace-addon:$version")
fi

# The previous run's images lost their tags to this run's: vfs keeps every layer whole, so drop them.
podman_ image prune -f >/dev/null

if [ "$load" = 1 ]; then
  for tag in "${tags[@]}"; do
    log "docker load $tag"
    podman_ save "$tag" | docker load >/dev/null
  done
fi
printf '%s\n' "${tags[@]}"
