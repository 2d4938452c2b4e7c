# syntax=docker/dockerfile:1
# The search subgraph's image: compiled JavaScript (npm run build), production dependencies only,
# run as the unprivileged `node` user. Build from the repository root (the context must be the repo):
#   docker build -f infra/docker/search.Dockerfile -t organoise-search .
# Not built here (this machine has no Docker engine): infra/test/dockerfiles.test.ts checks the
# policies of every Dockerfile, and infra/test/compiled.e2e.ts runs the same compiled output.

# 1. Build: every dependency of the workspace (dev ones too: esbuild), patches/ applied at install.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci -w @organoise/subgraph-search --include-workspace-root \
 && npm run build -w @organoise/core -w @organoise/subgraph-search

# 2. Production dependencies only, in a tree of their own (the workspace manifests and the lockfile).
FROM build AS production-dependencies
WORKDIR /prod
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY subgraphs/search/package.json subgraphs/search/
# patches/ applied as npm install applies them (patch-package, from the build stage's tree: it is a
# root dependency, not the workspace's). Its scripts are off: none of the production packages needs one.
COPY patches ./patches
RUN npm ci --omit=dev -w @organoise/subgraph-search --ignore-scripts \
 && /app/node_modules/.bin/patch-package --error-on-fail

# 3. Runtime: Node, the production dependencies, the compiled output and its assets; nothing else.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production APOLLO_TELEMETRY_DISABLED=true HOST=0.0.0.0 PORT=4005 DATA_DIR=/home/node/data
WORKDIR /app
# The production tree whole: node_modules, and the workspaces' manifests with the node_modules npm
# may have nested in them (a version that could not be hoisted, e.g. packages/core/node_modules).
COPY --from=production-dependencies /prod ./
COPY --from=build /app/packages/core/dist ./packages/core/dist
COPY --from=build /app/subgraphs/search/dist ./subgraphs/search/dist
# Migrations, applied at start (under a lock, so replicas may start together).
COPY --from=build /app/subgraphs/search/drizzle ./subgraphs/search/drizzle
# The Elasticsearch index template: src/engine/elasticsearch.ts imports it (a JSON import) when
# main.js loads, whichever index ELASTICSEARCH_URL selects.
COPY --from=build /app/subgraphs/search/elasticsearch ./subgraphs/search/elasticsearch
COPY --from=build /app/infra/docker/healthcheck.mjs ./infra/docker/
USER node
EXPOSE 4005
# GET /readyz: 200 while the database answers (docs/operations.md).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "infra/docker/healthcheck.mjs"]
# The compiled entry; the condition makes @organoise/core resolve to its dist (scripts/build-service.ts).
CMD ["node", "--conditions=organoise-compiled", "subgraphs/search/dist/main.js"]
