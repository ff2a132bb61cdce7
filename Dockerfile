# soak: build with the official Swift image, run on Debian slim with only the C libraries it links.
#   docker build --build-arg SOAK_REVISION=$(git rev-parse --short=12 HEAD) -t soak .
#   docker run -p 9470:9470 -v $PWD/soak.yaml:/etc/soak/soak.yaml:ro soak
# scripts/check-image lints this file with hadolint and checks the binary's libraries with ldd.

FROM swift:6.2-bookworm AS build
# Unpinned on purpose: bookworm's security updates replace these versions, and a pin would break the
# build the day the mirror drops the pinned one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4-openssl-dev libpq-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The dependencies first, so a source change does not resolve them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Plugins ./Plugins
# The manifest names the test targets; SwiftPM refuses a package whose targets' folders are missing.
COPY Tests ./Tests
COPY scripts/build-release ./scripts/build-release
# There is no .git in the build context; the revision comes in as an argument.
ARG SOAK_REVISION=unknown
ENV SOAK_REVISION=${SOAK_REVISION}
RUN cp "$(scripts/build-release)" /usr/local/bin/soak

FROM debian:bookworm-slim
# Unpinned for the same reason; a rebuild picks up bookworm's security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4 libpq5 zlib1g ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/soak /usr/local/bin/soak
# A numeric non-root user in group 0: OpenShift runs the container as a random UID in group 0, so
# everything soak writes to is group-writable.
RUN mkdir -p /etc/soak /var/lib/soak \
    && chgrp -R 0 /etc/soak /var/lib/soak \
    && chmod -R g=u /etc/soak /var/lib/soak
USER 65532:0
WORKDIR /var/lib/soak
EXPOSE 9470
ENTRYPOINT ["/usr/local/bin/soak"]
CMD ["run", "--config.file", "/etc/soak/soak.yaml"]
