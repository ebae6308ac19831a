// Validates Kubernetes objects against the API's OpenAPI schema, offline, with kubernetes-models.
// It is ESM only, so it runs as a Node process of its own (Jest's CommonJS runtime cannot load it).
// Usage: node deploy-k8s-validate.mjs FILE, FILE a JSON array of objects; prints a JSON array with,
// for each object, { kind, name, error }: error is null when the object is valid.
import { readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';

const MODELS = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ConfigMap': ConfigMap,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
};

const objects = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = objects.map((object) => {
  const type = `${object.apiVersion} ${object.kind}`;
  const result = { kind: object.kind, name: object.metadata?.name ?? null };
  const Model = MODELS[type];
  if (Model === undefined) return { ...result, error: `no model for ${type} (models: ${Object.keys(MODELS).join(', ')})` };
  try {
    // validate() throws with every schema error of the object, or returns.
    new Model(object).validate();
    return { ...result, error: null };
  } catch (error) {
    return { ...result, error: error.message };
  }
});
process.stdout.write(JSON.stringify(results));
