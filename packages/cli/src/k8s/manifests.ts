import * as path from 'node:path';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap' with { 'resolution-mode': 'import' };
import type { IService } from 'kubernetes-models/v1/Service' with { 'resolution-mode': 'import' };
import type { IServicePort } from 'kubernetes-models/v1/ServicePort' with { 'resolution-mode': 'import' };
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget' with { 'resolution-mode': 'import' };
import { SwitchboardError } from '@switchboard/core';
import type { DeploymentSource } from './deployment-source';
import { k8sDeployment } from './deployment';
import { CONFIG_DIR, k8sMetadata, k8sSelector, type K8sOptions } from './k8s-options';

/** One generated object, with the comment written above it. */
export interface K8sManifest {
  readonly kind: 'Deployment' | 'Service' | 'ConfigMap' | 'PodDisruptionBudget';
  readonly object: object;
  readonly comment?: string;
}

/** Everything `switchboard deploy k8s` writes, and notes for the person running it. */
export interface K8sManifests {
  readonly manifests: readonly K8sManifest[];
  readonly notes: readonly string[];
}

/**
 * The Kubernetes objects of a deployment file: a Deployment, a ClusterIP
 * Service, a headless Service for client-side balancing, the ConfigMap
 * holding the file as given, and a PodDisruptionBudget.
 *
 * @example
 * const { manifests } = k8sManifests(readDeploymentSource('deploy/prod.json'), { name: 'prod', ...K8S_DEFAULTS });
 */
export function k8sManifests(source: DeploymentSource, options: K8sOptions): K8sManifests {
  const configKey = path.basename(source.file);
  // The keys a ConfigMap accepts (Kubernetes IsConfigMapKey).
  if (!/^[-._a-zA-Z0-9]+$/.test(configKey) || configKey.length > 253) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `the file name '${configKey}' cannot be a ConfigMap key (letters, digits, '-', '_' and '.' only): rename the file`,
    );
  }
  const { deployment, notes } = k8sDeployment(source, options);
  const port = source.config.server.port;
  const servicePort: IServicePort = { name: 'grpc', port, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' };
  const within = options.namespace === undefined ? '' : `.${options.namespace}.svc.cluster.local`;

  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: k8sMetadata(options, options.name),
    spec: { type: 'ClusterIP', selector: k8sSelector(options), ports: [servicePort] },
  };
  const headless: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: k8sMetadata(options, `${options.name}-headless`),
    spec: { clusterIP: 'None', selector: k8sSelector(options), ports: [servicePort] },
  };
  const configMap: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: k8sMetadata(options, `${options.name}-config`),
    data: { [configKey]: source.text },
  };
  const budget: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: k8sMetadata(options, options.name),
    spec: { maxUnavailable: 1, selector: { matchLabels: k8sSelector(options) } },
  };
  return {
    manifests: [
      { kind: 'Deployment', object: deployment, ...(notes.length > 0 ? { comment: notes.map((n) => `Note: ${n}`).join('\n') } : {}) },
      {
        kind: 'Service',
        object: service,
        comment:
          `One virtual IP; kube-proxy balances connections, not calls, so a client (pick_first) stays on one pod:\n` +
          `  target: "dns:///${options.name}${within}:${port}"`,
      },
      {
        kind: 'Service',
        object: headless,
        comment:
          `Every ready pod's IP in DNS, for client-side balancing over the pods:\n` +
          `  target: "dns:///${options.name}-headless${within}:${port}", balancing: "round_robin"`,
      },
      { kind: 'ConfigMap', object: configMap, comment: `${configKey} as given; the pods read it as ${CONFIG_DIR}/default.json` },
      { kind: 'PodDisruptionBudget', object: budget },
    ],
    notes,
  };
}
