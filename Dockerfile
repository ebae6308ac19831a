# syntax=docker/dockerfile:1
#
# One image holding every app of this repository: `switchboard start` serves the apps that its
# config file's `apps` key names. From the repository root:
#
#   docker build -t switchboard:latest .
#   docker run --rm -p 50051:50051 -v "$PWD/deploy/all-in-one.json:/etc/switchboard/default.json:ro" switchboard:latest
#
# On Kubernetes, `switchboard deploy k8s` writes the manifests that run it (deploy/README.md, "Kubernetes").

# The Node 20 the repository is tested with; override with --build-arg NODE_IMAGE=...
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY packages packages
COPY apps apps
COPY bench bench
# testing/ (@switchboard/test-support) is a workspace of test helpers: npm ci needs its manifest, nothing else of it.
COPY testing/package.json testing/
RUN --mount=type=cache,target=/root/.npm npm ci
RUN npm run build
# What the runtime stage takes from here, found through npm's own list of the workspaces: each
# workspace's package.json (for its npm ci) apart from what running needs (dist, proto, bin), so that
# its dependency layer is rebuilt only when a package.json changes.
RUN mkdir -p /out/manifests /out/built \
 && for ws in $(npm query .workspace | node -e 'for (const w of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(w.location)'); do \
      mkdir -p "/out/manifests/$ws" "/out/built/$ws" \
      && cp "$ws/package.json" "/out/manifests/$ws/" \
      && for part in dist proto bin; do if [ -e "$ws/$part" ]; then cp -R "$ws/$part" "/out/built/$ws/"; fi; done; \
    done

FROM ${NODE_IMAGE}
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /out/manifests ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev
COPY --from=build /out/built ./
# The node user of the base image, by number, so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# Listen on every interface of the container; the config is config/default.json of this folder,
# where `docker run -v` or the Kubernetes ConfigMap mounts the deployment file.
ENV HOST=0.0.0.0 SWITCHBOARD_CONFIG_DIR=/etc/switchboard
# gRPC (server.port's default) and Prometheus metrics (metrics.port's default, when metrics.enabled).
EXPOSE 50051 9464
# No HEALTHCHECK: Kubernetes ignores it and probes grpc.health.v1 itself (the Deployment's gRPC
# probes), and a Docker HEALTHCHECK would need a gRPC health client in the image.
# Node itself is PID 1 (no npm, no shell), so SIGTERM reaches the server's graceful shutdown.
CMD ["node", "packages/cli/dist/bin.js", "start"]
