# syntax=docker/dockerfile:1
# The gateway's image: compiled JavaScript (npm run build), production dependencies only, the
# supergraph and safelist it serves, and the web app and playground it serves, built here.
# Run as the unprivileged `node` user. Build from the repository root:
#   docker build -f infra/docker/gateway.Dockerfile -t organoise-gateway .
# Not built here (this machine has no Docker engine): infra/test/dockerfiles.test.ts checks the
# policies of every Dockerfile, and infra/test/compiled.e2e.ts runs the same compiled output.

# 1. Build: the gateway, the web app and the playground (Vite), with every dependency they need.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci -w @organoise/gateway -w @organoise/web -w @organoise/playground --include-workspace-root \
 && npm run build -w @organoise/core -w @organoise/gateway -w @organoise/web -w @organoise/playground

# 2. Production dependencies only, in a tree of their own (the workspace manifests and the lockfile).
FROM build AS production-dependencies
WORKDIR /prod
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY gateway/package.json gateway/
# patches/ applied as npm install applies them (patch-package, from the build stage's tree: it is a
# root dependency, not the workspace's). Its scripts are off: none of the production packages needs one.
COPY patches ./patches
RUN npm ci --omit=dev -w @organoise/gateway --ignore-scripts \
 && /app/node_modules/.bin/patch-package --error-on-fail

# 3. Runtime: Node, the production dependencies, the compiled output and what it serves.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production APOLLO_TELEMETRY_DISABLED=true HOST=0.0.0.0 PORT=4000
WORKDIR /app
# The production tree whole: node_modules, and the workspaces' manifests with the node_modules npm
# may have nested in them (a version that could not be hoisted, e.g. packages/core/node_modules).
COPY --from=production-dependencies /prod ./
COPY --from=build /app/packages/core/dist ./packages/core/dist
COPY --from=build /app/gateway/dist ./gateway/dist
# The default SUPERGRAPH_PATH and SAFELIST_PATH, and the built apps at their default places.
COPY --from=build /app/schema/supergraph.graphql /app/schema/safelist.json ./schema/
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/playground/dist ./playground/dist
COPY --from=build /app/infra/docker/healthcheck.mjs ./infra/docker/
USER node
EXPOSE 4000
# GET /readyz: 200 once every subgraph answers its own /readyz (docs/operations.md).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "infra/docker/healthcheck.mjs"]
# A 64 MiB young generation (as in gateway/package.json): its requests allocate large short-lived
# trees; against Node's 16 MiB default this cut CPU per request by about a quarter (docs/benchmarks.md).
CMD ["node", "--conditions=organoise-compiled", "--max-semi-space-size=64", "gateway/dist/main.js"]
