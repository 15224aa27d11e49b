# Levee and its simulator in one image. Node 24 runs the TypeScript sources directly (type
# stripping), so there is no build step: one stage installs production dependencies, the other
# runs them.
#
#   docker build -t levee .
#   docker run -p 8080:8080 levee                                # Levee (embedded simulator, PGlite)
#   docker run -p 8090:8090 -e SIM_HOST=0.0.0.0 levee node simulator/main.ts   # the simulator
#
# Both stages use the same base, pinned by minor to match the `node` devDependency in
# package.json (patch releases flow in); bump them together.
FROM node:24.21-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev also leaves out the `node` devDependency (a second Node binary); the image has one.
# --ignore-scripts: the only production dependency with an install script is protobufjs, which
# package.json's allowScripts denies; this applies the same policy whatever npm version this is.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:24.21-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/app/data
WORKDIR /app
# Sources stay owned by root and read-only to the process; only DATA_DIR is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY service ./service
COPY simulator ./simulator
# The embedded Postgres (PGlite, used when DATABASE_URL is unset) keeps its files here. A named
# volume mounted on it (`-v levee-data:/app/data`) starts with this ownership.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# Liveness only (readiness is the load balancer's business). slim has no curl: Node's fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/live', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The OpenTelemetry SDK is preloaded so auto-instrumentation patches modules before they load.
# Levee handles SIGTERM itself (drain, then grace): give it SHUTDOWN_DRAIN_DELAY_MS +
# SHUTDOWN_GRACE_MS before a SIGKILL (`docker stop -t 40`, compose `stop_grace_period`).
CMD ["node", "--import", "./service/telemetry/preload.ts", "service/main.ts"]
