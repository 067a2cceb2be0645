# syntax=docker/dockerfile:1
# ragplane: build with the toolchain, run as an unprivileged user with only what runs.

FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.client.json ./
COPY proto ./proto
COPY gen ./gen
COPY client ./client
COPY clients ./clients
COPY security ./security
COPY cli ./cli
COPY bin ./bin
COPY interceptors ./interceptors
COPY server ./server
RUN npm run build \
 && cp gen/*.binpb dist/gen/ \
 && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/var/lib/ragplane \
    GRPC_PORT=50051 \
    HTTP_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/ragplane && chown node:node /var/lib/ragplane
USER node
EXPOSE 50051 8080
VOLUME ["/var/lib/ragplane"]
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "dist/server/healthcheck.js"]
CMD ["node", "dist/server/main.js"]
