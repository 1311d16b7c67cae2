# protectsim in a container: a Rust builder stage, then a slim Debian runtime holding only the
# release binary (no toolchain, no sources). Build from the repository root:
#
#   docker build --build-arg PROTECTSIM_COMMIT=$(git rev-parse --short HEAD) -t protectsim:0.1 .
#   docker run --rm -v "$PWD:/work" -w /work protectsim:0.1 run scenarios/quickstart.toml
#
# The image is the one the Kubernetes Indexed Job example of docs/scaling.md runs.

# The toolchain CI builds with (polars needs a recent stable Rust).
FROM rust:1.95-bookworm AS build
WORKDIR /src
# The crate's default features (Cargo.toml declares no optional ones), locked dependencies.
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY benches benches
# `--version` names this commit; .git is not copied into the build context.
ARG PROTECTSIM_COMMIT=unknown
ENV PROTECTSIM_COMMIT=${PROTECTSIM_COMMIT}
RUN cargo build --release --locked --bin protectsim \
 && cp target/release/protectsim /usr/local/bin/protectsim

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/protectsim /usr/local/bin/protectsim
# Scenario files and result folders are mounted (e.g. /in and /results in the Kubernetes Job).
RUN useradd --create-home --uid 10001 protectsim
USER protectsim
WORKDIR /home/protectsim
ENTRYPOINT ["protectsim"]
CMD ["--help"]
