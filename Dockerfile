# syntax=docker/dockerfile:1
# BmsPace container image: the bmspace exporter, one NativeAOT executable on a base with no .NET runtime.
#
# Build for this machine:          docker build -t bmspace .
# Build for a Raspberry Pi too:    docker buildx build --platform linux/amd64,linux/arm64 -t bmspace .
# Needs BuildKit (Docker 23 or newer by default; docker-buildx with Debian's docker.io 20.10) or podman/buildah: the
# SDK stage runs on the build machine's own architecture ($BUILDPLATFORM) and cross-publishes for $TARGETARCH with the
# cross linker and the target's zlib, so an arm64 image builds at native speed on an amd64 machine; the runtime stage
# has no RUN step. Both stages are Ubuntu 24.04, so the executable links against the C library it runs with.
# Without a registry (the test machines), deploy/build-images.sh builds this file on stand-ins of the two bases.
#
# Run:
#   docker run -d --name bmspace --restart unless-stopped --network host \
#     -v /srv/bmspace/config.yaml:/etc/bmspace/config.yaml:ro \
#     --device /dev/ttyUSB0:/dev/ttyUSB0 bmspace
# Try it without hardware (the built-in simulated battery, no config file needed):
#   docker run --rm --network host bmspace run --simulate
#
# Configuration: the file mounted at /etc/bmspace/config.yaml (read-only is fine). Every key can be overridden
# with an environment variable BMSPACE_<KEY PATH>, levels joined by "__" and list indexes as levels, e.g.
#   -e BMSPACE_SCAN_INTERVAL=10s -e BMSPACE_BATTERIES__0__CONNECTION=tcp://192.168.1.50:5000
#   -e BMSPACE_INFLUXDB__ENABLED=true -e BMSPACE_INFLUXDB__TOKEN_FILE=/run/secrets/influx_token
# The environment wins over the file; command-line flags win over both.

ARG DOTNET_VERSION=10.0

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble-aot AS build
ARG TARGETARCH
WORKDIR /source

# The native toolchain first: it changes least often.
COPY deploy/docker/install-aot-toolchain.sh ./
RUN sh install-aot-toolchain.sh "$TARGETARCH"

# Restore first, from the project files alone, so the package layer is reused when only code changes.
COPY global.json Directory.Build.props .editorconfig ./
COPY src/BmsPace.Protocol/BmsPace.Protocol.csproj src/BmsPace.Protocol/
COPY src/BmsPace/BmsPace.csproj src/BmsPace/
COPY src/BmsPace.Simulator/BmsPace.Simulator.csproj src/BmsPace.Simulator/
RUN dotnet restore src/BmsPace/BmsPace.csproj -a "$TARGETARCH"

COPY src/ src/
RUN dotnet publish src/BmsPace/BmsPace.csproj -c Release -a "$TARGETARCH" --no-restore -o /app

# runtime-deps chiseled: the C library, OpenSSL, CA certificates and the non-root "app" user (uid 1654), no shell, no
# package manager and no .NET runtime (the executable carries its own): about 13 MB under the program's 19 MB.
# The target platform spelt out: podman 4.3 otherwise keeps the build stage's platform for this stage.
FROM --platform=$TARGETPLATFORM mcr.microsoft.com/dotnet/runtime-deps:${DOTNET_VERSION}-noble-chiseled AS runtime
LABEL org.opencontainers.image.title="bmspace" \
      org.opencontainers.image.description="Prometheus and InfluxDB exporter for PACE lithium battery BMSes"

# The whole program: the native executable and the serial-port library it loads.
COPY --from=build /app/bmspace /app/libSystem.IO.Ports.Native.so /app/

# The base image asks Kestrel to listen on 8080; bmspace takes its address from prometheus.listen instead.
ENV ASPNETCORE_HTTP_PORTS=""

# The configuration's folder is the working directory, so `bmspace health` (which has no --config) reads the same
# config.yaml as `run` when one is mounted, and the defaults plus BMSPACE_ variables when none is.
WORKDIR /etc/bmspace

# The image's "app" user with dialout (gid 20 on Debian, Ubuntu and Raspberry Pi OS) as its group, so it can open a
# serial device passed in with --device. Numeric: the chiseled base's /etc/group has no dialout entry.
USER 1654:20

EXPOSE 9863
# The probe is the program itself (the base has no shell, curl or wget): GET /readyz on prometheus.listen, healthy
# while at least one battery answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/app/bmspace", "health"]

ENTRYPOINT ["/app/bmspace"]
CMD ["run", "--config", "/etc/bmspace/config.yaml"]
