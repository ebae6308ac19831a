import * as fs from 'node:fs';
import * as path from 'node:path';
import { SwitchboardError, readConfigFile, type ServerConfig } from '@switchboard/core';
import { loadServerConfig, type MetricsConfig } from '@switchboard/server';
import { appsFromConfig, appsKeyModule } from '../config-apps';
import { loadApp } from '../load-app';

/**
 * The environment the generated Deployment gives the server, beside the
 * config file: listen on every interface of the pod, so that the kubelet's
 * probes, the Services and Prometheus reach it.
 */
export const POD_ENVIRONMENT: Readonly<Record<string, string>> = { HOST: '0.0.0.0', METRICS_HOST: '0.0.0.0' };

/** The most a ConfigMap may hold, in bytes (Kubernetes validation: `MaxSecretSize`, 1 MiB). */
const CONFIG_MAP_LIMIT = 1024 * 1024;

/** A deployment file, checked the way `switchboard start` checks it, and what the manifests need from it. */
export interface DeploymentSource {
  /** The file, absolute. */
  readonly file: string;
  /** Its text as given: what the ConfigMap holds. */
  readonly text: string;
  /** The whole validated configuration (server keys, metrics, every app's keys). */
  readonly config: Readonly<ServerConfig & MetricsConfig>;
  /** `server.workers` as a count (1 when the key does not exist). */
  readonly workers: number;
}

/**
 * Reads a deployment file and validates it as `switchboard start --config
 * FILE` would: the apps of its `apps` key are loaded, and the server's
 * schema and every app's are checked together, so a bad file fails here with
 * the messages start would print. On top of that, what a pod cannot run is
 * refused: no `apps` key, an app named by folder (the file is mounted away
 * from it), port 0, and `server.workers: "auto"`.
 */
export function readDeploymentSource(file: string): DeploymentSource {
  const tree = readConfigFile(file);
  if (!('apps' in tree)) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `${file} has no apps key: the pod serves the apps its config file names (e.g. "apps": ["@switchboard/app-orders"])`,
    );
  }
  // The file sets apps, so it wins over any config/ folder here: the pod reads only this file.
  const apps = appsFromConfig({ argv: ['--config', file], env: {} });
  const folders = apps.filter((app) => app.spec.startsWith('.') || path.isAbsolute(app.spec));
  if (folders.length > 0) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `apps in ${file} names ${folders.map((a) => `'${a.spec}'`).join(', ')} by folder: in the pod the file is mounted at /etc/switchboard, ` +
        `where no such folder exists; name apps by package (as in its package.json, e.g. @switchboard/app-greeter), which the image's node_modules resolves`,
    );
  }
  const modules = apps.map((app) => loadApp(app.spec, app.baseDir, app.origin));
  const config = loadServerConfig([...modules, appsKeyModule], { argv: ['--config', file], env: POD_ENVIRONMENT, configDir: null });

  if (config.server.port === 0) {
    throw new SwitchboardError('SB_ERR_CONFIG', `server.port is 0 in ${file}: a pod needs a fixed port for its Services and probes to name`);
  }
  if (config.metrics.enabled && config.metrics.port === 0) {
    throw new SwitchboardError('SB_ERR_CONFIG', `metrics.port is 0 in ${file}: a pod needs a fixed metrics port for Prometheus to scrape`);
  }
  if (config.metrics.enabled && config.metrics.port === config.server.port) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `metrics.port and server.port are both ${config.server.port} in ${file}: in a pod both listen on 0.0.0.0, so they need two ports`,
    );
  }
  const text = fs.readFileSync(file, 'utf8');
  const bytes = Buffer.byteLength(text);
  if (bytes > CONFIG_MAP_LIMIT) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `${file} is ${bytes} bytes: a ConfigMap holds at most ${CONFIG_MAP_LIMIT} (1 MiB), so the API server would refuse it`,
    );
  }
  return { file, text, config, workers: workerCount(config, file) };
}

/** `server.workers` as a number; read loosely, so that a server without the key counts as one process. */
function workerCount(config: Readonly<ServerConfig>, file: string): number {
  const workers = (config.server as { workers?: unknown }).workers;
  if (workers === undefined) return 1;
  if (typeof workers === 'number') return workers;
  throw new SwitchboardError(
    'SB_ERR_CONFIG',
    `server.workers is ${JSON.stringify(workers)} in ${file}: in a pod, Node 20's os.availableParallelism() counts the CPUs the ` +
      "process may be scheduled on (usually all of the node's), not the pod's CPU request or limit; give a number (the pod requests CPU for that many workers)",
  );
}
