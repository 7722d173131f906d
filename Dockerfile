# The production image of the BFF: the built API and web app and the API's production
# dependencies, nothing else (no emulator, no demo upstream, no dev dependencies, no sources),
# running as the unprivileged `node` user. Build: `docker build -t cognito-bff .`
# Checked without a Docker engine by scripts/check-prod-image.mjs (part of .ci/run).
#
# Stages: deps (every dependency) → build (everything compiled; docker-compose.yml's stack runs
# the dev-only emulator and demo upstream from this stage) → prod-deps → runtime (the default).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
COPY packages/shared-types/package.json packages/shared-types/
COPY packages/cognito-emulator/package.json packages/cognito-emulator/
COPY packages/demo-upstream/package.json packages/demo-upstream/
COPY packages/bff-client/package.json packages/bff-client/
COPY packages/react/package.json packages/react/
COPY packages/bff-testing/package.json packages/bff-testing/
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build

# Only the workspaces the running API needs exist here: with the others' package.json present,
# npm would install their dependencies too (the emulator's oidc-provider among them).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY packages/shared-types/package.json packages/shared-types/
RUN npm ci --omit=dev --workspace=apps/api --workspace=packages/shared-types --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
# Owned by root and not writable by the process: it only reads its code.
COPY --from=prod-deps /app ./
COPY --from=build /app/packages/shared-types/dist packages/shared-types/dist
COPY --from=build /app/apps/api/dist apps/api/dist
COPY --from=build /app/apps/web/dist apps/web/dist
USER node
EXPOSE 3000
# The slim image has no curl: ask /healthz with node's own fetch.
HEALTHCHECK --interval=15s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# As `npm start` runs it (see README, "Running in production"), without npm in between so that
# SIGTERM reaches node and the graceful shutdown runs.
CMD ["node", "--max-old-space-size=128", "apps/api/dist/server.js"]
