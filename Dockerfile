# syntax=docker/dockerfile:1
# talos-mcp: the pinned talosctl and omnictl are built from Go modules in the first stage (the
# same scripts/build-clis as development and CI), the server is built in the second, and the
# slim runtime stage runs it as a non-root user with the workspace and state as volumes.

FROM golang:1.26-bookworm AS clis
# The pinned versions (src/backends/versions.ts); see docs/operations.md before changing them.
ARG TALOS_VERSION=v1.12.6
ARG OMNI_VERSION=v1.9.3
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/build-clis scripts/build-clis
COPY scripts/lib scripts/lib
ENV TALOS_MCP_CACHE=/opt/talos-mcp
RUN TALOS_VERSION="$TALOS_VERSION" OMNI_VERSION="$OMNI_VERSION" bash scripts/build-clis \
 && install -D -m 0755 "$(readlink -f /opt/talos-mcp/bin/talosctl)" /out/talosctl \
 && install -D -m 0755 "$(readlink -f /opt/talos-mcp/bin/omnictl)" /out/omnictl \
 && mkdir -p /out/protos \
 && cp -rL /opt/talos-mcp/protos/. /out/protos/

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY tools ./tools
COPY resources ./resources
COPY prompts ./prompts
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TALOSCTL=/usr/local/bin/talosctl \
    OMNICTL=/usr/local/bin/omnictl \
    TALOS_MCP_CACHE=/state/cache \
    TALOS_MCP_PROTO_DIR=/opt/talos-mcp/protos \
    TALOS_MCP_STATE_DIR=/state
WORKDIR /app
COPY --from=clis /out/talosctl /out/omnictl /usr/local/bin/
COPY --from=clis /out/protos /opt/talos-mcp/protos
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prompts/*.md ./prompts/
RUN groupadd --system --gid 10001 talos-mcp \
 && useradd --system --uid 10001 --gid talos-mcp --home-dir /state --shell /usr/sbin/nologin talos-mcp \
 && mkdir -p /workspace /state \
 && chown talos-mcp:talos-mcp /workspace /state \
 && ln -s /app/dist/src/cli.js /usr/local/bin/talos-mcp
USER talos-mcp
VOLUME ["/workspace", "/state"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli.js"]
CMD ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8080", "--tokens", "/state/tokens.yaml", "--workspace", "/workspace", "--audit-log", "/state/audit.jsonl"]
