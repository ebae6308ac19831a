/** What `switchboard deploy k8s` was asked for, beside the config file. */
export interface K8sOptions {
  /** Name of every object (a DNS-1035 label); the Services are `<name>` and `<name>-headless`. */
  readonly name: string;
  /** Namespace written into every object; none leaves it to `kubectl apply -n`. */
  readonly namespace?: string;
  /** The image built from the repository's Dockerfile. */
  readonly image: string;
  readonly replicas: number;
  /** CPU requested per worker process (`500m`). */
  readonly cpuPerWorker: string;
  /** Memory requested and allowed per worker process (`256Mi`). */
  readonly memoryPerWorker: string;
  /** Seconds the preStop hook waits before the server gets SIGTERM. */
  readonly drainSeconds: number;
}

/** The defaults of the optional flags. */
export const K8S_DEFAULTS = {
  image: 'switchboard:latest',
  replicas: 2,
  cpuPerWorker: '500m',
  memoryPerWorker: '256Mi',
  drainSeconds: 5,
} as const;

/** Where the config file is mounted in the pod; the server reads it as the `default.json` of this folder. */
export const CONFIG_DIR = '/etc/switchboard';

/** The label that selects the pods, for the Deployment, the Services and the PodDisruptionBudget. */
export function k8sSelector(options: K8sOptions): Record<string, string> {
  return { 'app.kubernetes.io/name': options.name };
}

/** The labels of every object. */
export function k8sLabels(options: K8sOptions): Record<string, string> {
  return { ...k8sSelector(options), 'app.kubernetes.io/managed-by': 'switchboard' };
}

/** The metadata of one object. */
export function k8sMetadata(options: K8sOptions, name: string): { name: string; namespace?: string; labels: Record<string, string> } {
  return { name, ...(options.namespace === undefined ? {} : { namespace: options.namespace }), labels: k8sLabels(options) };
}
