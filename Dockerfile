# syntax=docker/dockerfile:1
#
# Build for this machine's platform:
#   docker build -t aws-backup-exporter \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse --short=12 HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
# Multi-arch (one manifest list for amd64 and arm64; BuildKit builds each platform natively,
# under QEMU emulation for the foreign one, so no cross toolchain or host path is involved):
#   docker buildx create --use        # once; plus binfmt handlers: docker run --privileged --rm tonistiigi/binfmt --install arm64
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/aws-backup-exporter:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse --short=12 HEAD)" --push .
# Run:
#   docker run --rm -p 9942:9942 aws-backup-exporter --demo
#
# The builder (Debian 12 "bookworm") and the runtime (distroless cc-debian12) share the same
# glibc. No credentials are baked in: AWS access comes from the environment at run time (IRSA,
# instance profile, AWS_* variables, a mounted profile).

ARG RUST_VERSION=1.95

# 1. The dependency recipe of the Cargo workspace: every member's manifest (benches, tests and
#    examples dropped, since only the binary is built here) with empty stubs for its library and
#    binary targets, plus the lock file. Its content changes only when a manifest or the lock
#    file does, so the dependency layer below stays cached across source edits.
FROM rust:${RUST_VERSION}-bookworm AS recipe
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir -p /recipe; \
    cp Cargo.lock /recipe/; \
    find . -name Cargo.toml -not -path './target/*' -print0 | while IFS= read -r -d '' manifest; do \
        dir="$(dirname "$manifest")"; \
        mkdir -p "/recipe/$dir"; \
        awk '/^\[\[(bench|test|example)\]\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' \
            "$manifest" > "/recipe/$manifest"; \
        # Targets by convention (src/lib.rs, src/main.rs, src/bin/*.rs, src/bin/*/main.rs) ...
        for f in "$dir"/src/lib.rs "$dir"/src/main.rs "$dir"/src/bin/*.rs "$dir"/src/bin/*/main.rs; do \
            [ -f "$f" ] || continue; \
            mkdir -p "/recipe/$(dirname "$f")"; \
            case "$f" in */lib.rs) : > "/recipe/$f" ;; *) echo 'fn main() {}' > "/recipe/$f" ;; esac; \
        done; \
        # ... and those with an explicit path in [lib] or [[bin]] (after the awk above, no other
        # section names a .rs path). build.rs is copied as is: it needs no sources.
        awk -F'"' '/^[[:space:]]*path[[:space:]]*=[[:space:]]*".*[.]rs"/ { print $2 }' "/recipe/$manifest" | \
        while IFS= read -r f; do \
            mkdir -p "/recipe/$dir/$(dirname "$f")"; \
            [ -e "/recipe/$dir/$f" ] || echo 'fn main() {}' > "/recipe/$dir/$f"; \
        done; \
        if [ -f "$dir/build.rs" ]; then cp "$dir/build.rs" "/recipe/$dir/build.rs"; fi; \
    done

# 2. Dependencies, built against the real lock file for the target platform.
FROM rust:${RUST_VERSION}-bookworm AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG TARGETPLATFORM
ARG TARGETARCH
WORKDIR /build
COPY --from=recipe /recipe/ ./
# The registry cache is per architecture: builds of two platforms may run at the same time and
# cargo's package lock lives outside the mount.
RUN --mount=type=cache,id=cargo-registry-${TARGETARCH},target=/usr/local/cargo/registry \
    echo "building for ${TARGETPLATFORM:-the platform of the build host}" && \
    cargo build --release --locked

# 3. The real sources (see .dockerignore). Touch them so cargo never mistakes the stubs'
#    artefacts for up to date, whatever mtimes the build context carries.
COPY . .
ARG REVISION=unknown
RUN --mount=type=cache,id=cargo-registry-${TARGETARCH},target=/usr/local/cargo/registry \
    find . -path ./target -prune -o -name '*.rs' -print0 | xargs -0 touch && \
    GIT_REVISION="${REVISION}" cargo build --release --locked --bin aws-backup-exporter && \
    install -D -m 0755 target/release/aws-backup-exporter /out/aws-backup-exporter

# Runtime: glibc, libgcc, CA certificates and a nonroot user (65532), nothing else. The base
# image is a multi-arch manifest list: each platform gets its own.
FROM gcr.io/distroless/cc-debian12:nonroot

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
# The repository's URL, e.g. --build-arg SOURCE="$(git remote get-url origin)".
ARG SOURCE=""
LABEL org.opencontainers.image.title="aws-backup-exporter" \
      org.opencontainers.image.description="Prometheus exporter for AWS Backup: backup, restore, copy and scan jobs, restore testing, vaults and per-resource backup freshness" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"

COPY --from=builder /out/aws-backup-exporter /usr/local/bin/aws-backup-exporter

USER 65532:65532
EXPOSE 9942
# No HEALTHCHECK: distroless has no shell, curl or wget to run one, and the exporter has no
# health-check mode of its own. Orchestrators probe GET /healthz (the process lives) and
# GET /readyz (every target refreshed once) over HTTP instead: see
# deploy/kubernetes/base/deployment.yaml (and overlays/web-config for probes with basic auth).
ENTRYPOINT ["/usr/local/bin/aws-backup-exporter"]
