# syntax=docker/dockerfile:1
# Slideshow Studio: one image for both roles. The API (+ UI) is the default command; workers run
# `node --max-semi-space-size=8 --expose-gc dist/src/worker.js` (see docker-compose.yml).
# Build: docker build -t slideshow-studio .

# ---- build: compile sqlite3 from source, build the API and the admin UI, keep only runtime deps ----
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The image's own Node headers, so node-gyp needs no download.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
 && npm rebuild sqlite3 --build-from-source
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: non-root, ffmpeg for the optional MP4s, data on a volume ----
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
# MALLOC_ARENA_MAX: glibc gives every libvips/libuv thread its own malloc arena that keeps freed image
# memory; two arenas keep a worker's peak resident set ~25% lower (README, bench/RESULTS.md).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/admin-ui/dist ./admin-ui/dist
# The `node` user (uid 1000) of the base image owns only the data folder; the code stays read-only.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# /api/health answers 200 while the database and Redis are up (public, redacted to {status} for strangers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini forwards SIGTERM to node, so `docker stop` gives workers their graceful shutdown (SHUTDOWN_GRACE_MS).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
