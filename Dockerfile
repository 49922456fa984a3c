# syntax=docker/dockerfile:1
#
# Build:  docker build -t aws-backup-exporter \
#           --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse --short=12 HEAD)" \
#           --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
# Run:    docker run --rm -p 9942:9942 aws-backup-exporter --demo
#
# The builder (Debian 12 "bookworm") and the runtime (distroless cc-debian12) share the same
# glibc. No credentials are baked in: AWS access comes from the environment at run time (IRSA,
# instance profile, AWS_* variables, a mounted profile).

ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /build

# 1. Dependencies only, cached until Cargo.toml or Cargo.lock change: build a stub crate against
#    the real lock file. Benches, tests and examples are not built here, so their sections are
#    dropped from the stub manifest; every other target path it names gets an empty stub.
COPY Cargo.toml Cargo.lock ./
RUN set -eu; \
    awk '/^\[\[(bench|test|example)\]\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' Cargo.toml > Cargo.stub.toml; \
    mv Cargo.stub.toml Cargo.toml; \
    mkdir -p src; \
    echo 'fn main() {}' > src/main.rs; \
    : > src/lib.rs; \
    awk -F'"' '/^[[:space:]]*path[[:space:]]*=[[:space:]]*".*[.]rs"/ { print $2 }' Cargo.toml > stub-paths; \
    while IFS= read -r f; do \
        mkdir -p "$(dirname "$f")"; \
        [ -e "$f" ] || echo 'fn main() {}' > "$f"; \
    done < stub-paths; \
    cargo build --release --locked; \
    rm -rf src stub-paths

# 2. The real sources (see .dockerignore). Touch them so cargo never mistakes the stub's
#    artefacts for up to date, whatever mtimes the build context carries.
COPY . .
ARG REVISION=unknown
RUN set -eu; \
    find src -name '*.rs' -exec touch {} +; \
    GIT_REVISION="${REVISION}" cargo build --release --locked --bin aws-backup-exporter; \
    install -D -m 0755 target/release/aws-backup-exporter /out/aws-backup-exporter

# Runtime: glibc, libgcc, CA certificates and a nonroot user (65532), nothing else.
FROM gcr.io/distroless/cc-debian12:nonroot

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="aws-backup-exporter" \
      org.opencontainers.image.description="Prometheus exporter for AWS Backup: backup, restore and copy jobs, restore testing and per-resource backup freshness" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"

COPY --from=builder /out/aws-backup-exporter /usr/local/bin/aws-backup-exporter

USER 65532:65532
EXPOSE 9942
# No HEALTHCHECK: distroless has no shell or curl. Orchestrators probe /healthz and /readyz
# (see deploy/kubernetes/deployment.yaml).
ENTRYPOINT ["/usr/local/bin/aws-backup-exporter"]
