import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment' with { 'resolution-mode': 'import' };
import type { IProbe } from 'kubernetes-models/v1/Probe' with { 'resolution-mode': 'import' };
import type { DeploymentSource } from './deployment-source';
import { POD_ENVIRONMENT } from './deployment-source';
import { CONFIG_DIR, k8sLabels, k8sMetadata, k8sSelector, type K8sOptions } from './k8s-options';
import { scaleCpu, scaleMemory } from './quantity';

/**
 * Seconds a shutdown may take beyond `server.shutdownGraceMs`: the stopping
 * hooks (etcd deregistration waits 500 ms), cancelling the calls left after
 * the grace (up to 1 s) and closing connections (500 ms), with room to spare.
 */
const SHUTDOWN_MARGIN_SECONDS = 5;

/** The uid and gid of the `node` user of the node:20-slim image the Dockerfile runs as. */
const NODE_USER = 1000;

/** The Deployment, and notes on what it could not do (printed, and written above it). */
export interface DeploymentManifest {
  readonly deployment: IDeployment;
  readonly notes: readonly string[];
}

/**
 * The Deployment of a deployment file: pods running `switchboard start` on
 * the mounted file, with gRPC health probes, a drain before SIGTERM, a grace
 * period longer than the server's, resources for its workers, and no root.
 */
export function k8sDeployment(source: DeploymentSource, options: K8sOptions): DeploymentManifest {
  const { server, metrics } = source.config;
  const notes: string[] = [];
  // The kubelet's gRPC probe speaks plaintext only and takes a port number, not a port name.
  let action: Pick<IProbe, 'grpc' | 'tcpSocket'>;
  if (!server.health) {
    action = { tcpSocket: { port: 'grpc' } };
    notes.push('server.health is false, so there is no grpc.health.v1 to probe: the probes only open a TCP connection');
  } else if (server.tls.certFile !== '') {
    action = { tcpSocket: { port: 'grpc' } };
    notes.push(
      'server.tls is on and the kubelet gRPC probe does not speak TLS: the probes only open a TCP connection; ' +
        `mount the certificate files (a Secret) at ${server.tls.certFile} and ${server.tls.keyFile}`,
    );
  } else {
    // Service "" is the whole server: SERVING once it listens, NOT_SERVING from the start of a
    // shutdown for every service at once, which is what one pod's readiness is. The kubelet stops
    // liveness probes once a pod is being deleted (kubelet pkg/kubelet/prober/worker.go, "Graceful
    // shutdown of the pod"), so NOT_SERVING during the drain restarts nothing.
    action = { grpc: { port: server.port, service: '' } };
  }
  const configFile = path.basename(source.file);
  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: k8sMetadata(options, options.name),
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: k8sSelector(options) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: k8sLabels(options),
          annotations: {
            // A changed config file changes the pod template, so `kubectl apply` rolls the pods.
            'switchboard/config-sha256': createHash('sha256').update(source.text).digest('hex'),
            ...(metrics.enabled ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metrics.port), 'prometheus.io/path': '/metrics' } : {}),
          },
        },
        spec: {
          terminationGracePeriodSeconds: options.drainSeconds + Math.ceil(server.shutdownGraceMs / 1000) + SHUTDOWN_MARGIN_SECONDS,
          securityContext: { runAsNonRoot: true, runAsUser: NODE_USER, runAsGroup: NODE_USER, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'switchboard',
              image: options.image,
              // No --config: the file is read as config/default.json, below the environment, so HOST wins over its server.host.
              command: ['node', '/app/packages/cli/dist/bin.js', 'start'],
              env: [
                { name: 'SWITCHBOARD_CONFIG_DIR', value: CONFIG_DIR },
                ...Object.entries(POD_ENVIRONMENT)
                  .filter(([name]) => metrics.enabled || name !== 'METRICS_HOST')
                  .map(([name, value]) => ({ name, value })),
                // resolvers.etcd.advertiseHost, for an app that registers itself in etcd: the address other pods reach.
                { name: 'ADVERTISE_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              ],
              ports: [
                { name: 'grpc', containerPort: server.port, protocol: 'TCP' },
                ...(metrics.enabled ? [{ name: 'metrics', containerPort: metrics.port, protocol: 'TCP' as const }] : []),
              ],
              startupProbe: { ...action, periodSeconds: 2, failureThreshold: 30 },
              readinessProbe: { ...action, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
              livenessProbe: { ...action, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              lifecycle: {
                // Endpoints and kube-proxy learn of a terminating pod while it still serves; SIGTERM comes after this.
                preStop: { exec: { command: ['sleep', String(options.drainSeconds)] } },
              },
              resources: {
                // No CPU limit: a quota would throttle the garbage collector and libuv's threads beside the event loop.
                requests: {
                  cpu: scaleCpu('--cpu', options.cpuPerWorker, source.workers),
                  memory: scaleMemory('--memory', options.memoryPerWorker, source.workers),
                },
                limits: { memory: scaleMemory('--memory', options.memoryPerWorker, source.workers) },
              },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                // The root filesystem is read-only; a library that writes a temporary file gets this.
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: `${options.name}-config`, items: [{ key: configFile, path: 'default.json' }] } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return { deployment, notes };
}
