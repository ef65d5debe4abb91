# syntax=docker/dockerfile:1
# live-events images on Debian 12, built in two stages: the build stage installs the toolchain
# with the same script the README's `scripts/run.sh` and `scripts/test.sh` use and builds
# Release; the runtime stages carry the binaries and their shared libraries, nothing else.
#
#   docker build --target server  -t liveevents-server .
#   docker build --target gateway -t liveevents-gateway .
#
# Both run as the unprivileged user liveevents (uid 10001) and read every flag from
# LIVEEVENTS_<FLAG> environment variables, a --flagfile, or the command line (docs/operations.md).

FROM debian:12 AS build
# Only the dependency list first, so that source changes do not re-run apt.
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN /src/scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DLIVEEVENTS_TESTS=OFF -DLIVEEVENTS_BENCH=OFF \
 && cmake --build /build -j "$(nproc)" --target liveevents-server liveevents-gateway livectl \
 && strip /build/bin/liveevents-server /build/bin/liveevents-gateway /build/bin/livectl

FROM debian:12-slim AS runtime
# The shared libraries the binaries link (ldd), from Debian; no compiler, no headers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libprotobuf32 libabsl20220623 libsqlite3-0 libhiredis0.14 libssl3 \
      libspdlog1.10 libfmt9 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 liveevents \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin \
      liveevents \
 && install -d -o liveevents -g liveevents -m 0700 /var/lib/liveevents /var/lib/liveevents-gateway
COPY --from=build /build/bin/liveevents-server /build/bin/liveevents-gateway /build/bin/livectl \
     /usr/local/bin/
USER 10001:10001

FROM runtime AS server
ENV LIVEEVENTS_GRPC_ADDRESS=0.0.0.0:50051 \
    LIVEEVENTS_DATA_DIR=/var/lib/liveevents
WORKDIR /var/lib/liveevents
VOLUME ["/var/lib/liveevents"]
EXPOSE 50051 9464
# grpc.health.v1: SERVING once the journal is loaded, NOT_SERVING again while draining. The
# probe runs with an empty environment: the server's LIVEEVENTS_* variables (a
# LIVEEVENTS_FLAGFILE full of server flags, say) are not livectl's.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD env -i /usr/local/bin/livectl health --timeout=2s \
      --server="127.0.0.1:${LIVEEVENTS_GRPC_ADDRESS##*:}" || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/liveevents-server"]

FROM runtime AS gateway
ENV LIVEEVENTS_HTTP_ADDRESS=0.0.0.0:8080 \
    LIVEEVENTS_SPOOL_DIR=/var/lib/liveevents-gateway/spool
WORKDIR /var/lib/liveevents-gateway
VOLUME ["/var/lib/liveevents-gateway"]
EXPOSE 8080 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD env -i /usr/local/bin/livectl health \
      --http="http://127.0.0.1:${LIVEEVENTS_HTTP_ADDRESS##*:}/healthz" || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/liveevents-gateway"]
