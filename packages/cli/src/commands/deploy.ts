import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command';
import { readDeploymentSource } from '../k8s/deployment-source';
import { K8S_DEFAULTS, type K8sOptions } from '../k8s/k8s-options';
import { k8sManifests } from '../k8s/manifests';
import { scaleCpu, scaleMemory } from '../k8s/quantity';
import { renderManifestFiles, renderManifests } from '../k8s/render-manifests';
import { GENERATED_MARK, writeManifestFiles } from '../k8s/write-manifest-files';

const OPTIONS = {
  config: { type: 'string', multiple: true },
  image: { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
  namespace: { type: 'string', multiple: true },
  out: { type: 'string', multiple: true },
  replicas: { type: 'string', multiple: true },
  cpu: { type: 'string', multiple: true },
  memory: { type: 'string', multiple: true },
  'drain-seconds': { type: 'string', multiple: true },
} as const;

/** A Service name: a DNS-1035 label (RFC 1035), 63 characters at most. */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** A namespace name: a DNS-1123 label (RFC 1123). */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The largest `replicas` (an int32 in the API) and `--drain-seconds` (so that the grace period stays an exact number). */
const INT32_MAX = 2147483647;
/** An image reference's parts, as docker's distribution/reference grammar defines them. */
const IMAGE_HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const IMAGE_PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const IMAGE_TAG = /^[\w][\w.-]{0,127}$/;
const IMAGE_DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** `<name>-headless` must stay a label of 63 characters at most. */
const MAX_NAME = 63 - '-headless'.length;

/** `switchboard deploy k8s`: Kubernetes manifests for a deployment file. */
export const deploy: Command = {
  synopsis: 'deploy k8s --config FILE [options]   Kubernetes manifests for a deployment file',
  usage: `usage: switchboard deploy k8s --config FILE [--image NAME] [--name NAME] [--namespace NS] [--out DIR]
                              [--replicas N] [--cpu CPU] [--memory MEM] [--drain-seconds S]

  Check FILE as \`switchboard start --config FILE\` would (its apps, the server's
  and every app's keys), then write a Deployment, a Service, a headless Service,
  a ConfigMap holding FILE and a PodDisruptionBudget, as YAML to stdout, or with
  --out to DIR/deployment.yaml, service.yaml, configmap.yaml and
  poddisruptionbudget.yaml. Apply with \`kubectl apply -f DIR\`.

  --image NAME         the image built from the repository's Dockerfile (default ${K8S_DEFAULTS.image})
  --name NAME          name of the objects, a DNS-1035 label (default: FILE's name, e.g. prod for prod.json)
  --namespace NS       namespace written into every object (default: none, kubectl's)
  --out DIR            write one file per kind into DIR (created if missing; replaces
                       only files deploy k8s wrote, all or none)
  --replicas N         pods (default ${K8S_DEFAULTS.replicas})
  --cpu CPU            CPU requested per worker, times server.workers (default ${K8S_DEFAULTS.cpuPerWorker})
  --memory MEM         memory requested and allowed per worker, times server.workers (default ${K8S_DEFAULTS.memoryPerWorker})
  --drain-seconds S    preStop wait before SIGTERM, while endpoints drop the pod (default ${K8S_DEFAULTS.drainSeconds})`,
  run(rest) {
    const parsed = parse(rest);
    const [target, ...extra] = parsed.positionals;
    if (target !== 'k8s') throw new UsageError(target === undefined ? 'deploy needs a target: k8s' : `unknown deploy target '${target}' (targets: k8s)`);
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0] ?? ''}'`);
    const config = single(parsed.values, 'config');
    if (config === undefined) throw new UsageError('deploy k8s needs --config FILE: the deployment file the pods run');
    const file = path.resolve(config);
    const options = k8sOptions(parsed.values, file);
    const out = single(parsed.values, 'out');

    // Everything is generated, and so every check done, before anything is written.
    const source = readDeploymentSource(file);
    const { manifests, notes } = k8sManifests(source, options);
    const header = `${GENERATED_MARK.replace(/^# /, '')} from ${path.relative(process.cwd(), file) || file}; apply with kubectl apply -f`;
    for (const note of notes) process.stderr.write(`note: ${printable(note)}\n`);
    if (out === undefined) {
      process.stdout.write(renderManifests(manifests, header));
      return;
    }
    const files = renderManifestFiles(manifests, header);
    for (const note of writeManifestFiles(out, files)) process.stderr.write(`note: ${note}\n`);
    process.stderr.write(`wrote ${[...files.keys()].map((name) => path.join(out, name)).join(', ')}\napply with: kubectl apply -f ${out}\n`);
  },
};

type Values = ReturnType<typeof parse>['values'];

function parse(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util reports an unknown option or a missing value as a TypeError with a code; the
    // first sentence of an unknown option's message goes on about positionals that start with '-'.
    const { code, message } = error as { code?: string; message: string };
    const option = /'([^']+)'/.exec(message)?.[1];
    throw new UsageError(code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined ? `unknown option '${option}'` : message);
  }
}

/** The one value of an option, or an error if it was given more than once. */
function single(values: Values, name: keyof typeof OPTIONS): string | undefined {
  const given = values[name];
  if (given !== undefined && given.length > 1) throw new UsageError(`--${name} is given ${given.length} times (${given.join(', ')}): give it once`);
  return given?.[0];
}

function k8sOptions(values: Values, file: string): K8sOptions {
  const explicitName = single(values, 'name');
  const name = explicitName ?? path.basename(file, path.extname(file));
  if (!DNS_1035_LABEL.test(name) || name.length > MAX_NAME) {
    throw new UsageError(
      `${explicitName === undefined ? `the name '${name}' (from the file name; give --name)` : `--name '${name}'`} is not a DNS-1035 label of ` +
        `${MAX_NAME} characters at most (lower-case letters, digits and '-', starting with a letter and ending with a letter or digit), ` +
        'which Kubernetes requires of a Service name',
    );
  }
  const namespace = single(values, 'namespace');
  if (namespace !== undefined && (!DNS_1123_LABEL.test(namespace) || namespace.length > 63)) {
    throw new UsageError(`--namespace '${namespace}' is not a DNS-1123 label (lower-case letters, digits and '-', 63 characters at most)`);
  }
  const image = single(values, 'image') ?? K8S_DEFAULTS.image;
  const problem = imageProblem(image);
  if (problem !== undefined) {
    throw new UsageError(
      `--image '${image}' is not an image reference: ${problem} (form: [registry[:port]/]path[:tag][@digest], e.g. registry.example.com/shop/switchboard:1.2.0)`,
    );
  }
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    image,
    replicas: count(values, 'replicas', K8S_DEFAULTS.replicas, 1, INT32_MAX),
    cpuPerWorker: checked(single(values, 'cpu') ?? K8S_DEFAULTS.cpuPerWorker, (cpu) => scaleCpu('--cpu', cpu, 1)),
    memoryPerWorker: checked(single(values, 'memory') ?? K8S_DEFAULTS.memoryPerWorker, (memory) => scaleMemory('--memory', memory, 1)),
    drainSeconds: count(values, 'drain-seconds', K8S_DEFAULTS.drainSeconds, 0, INT32_MAX),
  };
}

/** `value`, once `check` (which throws a UsageError) accepts it. */
function checked(value: string, check: (value: string) => unknown): string {
  check(value);
  return value;
}

function count(values: Values, name: 'replicas' | 'drain-seconds', fallback: number, min: number, max: number): number {
  const text = single(values, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} '${text}' must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

/** What is wrong with an image reference, or undefined when the container runtime can pull it. */
function imageProblem(image: string): string | undefined {
  const at = image.indexOf('@');
  const [named, digest] = at === -1 ? [image, undefined] : [image.slice(0, at), image.slice(at + 1)];
  if (digest !== undefined && !IMAGE_DIGEST.test(digest)) return `'${digest}' is not a digest (algorithm:hex, e.g. sha256:<64 hex digits>)`;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const [name, tag] = colon > slash ? [named.slice(0, colon), named.slice(colon + 1)] : [named, undefined];
  if (tag !== undefined && !IMAGE_TAG.test(tag)) return `the tag '${tag}' is not letters, digits, '_', '.' and '-' (128 at most, not starting with '.' or '-')`;
  const components = name.split('/');
  // The first component is a registry when it looks like a host: it has a '.' or a port, or is localhost.
  const first = components[0] ?? '';
  const registry = components.length > 1 && (/[.:[]/.test(first) || first === 'localhost') ? components.shift() : undefined;
  if (registry !== undefined && !IMAGE_HOST.test(registry)) return `'${registry}' is not a registry host[:port]`;
  const bad = components.find((c) => !IMAGE_PATH_COMPONENT.test(c));
  if (bad !== undefined) {
    return `${bad === '' ? 'an empty path component' : `the path component '${bad}'`} is not lower-case letters and digits separated by '.', '_', '__' or '-'`;
  }
  if (name.length > 255) return `the name is ${name.length} characters, more than 255`;
  return undefined;
}

/** A note as one line a terminal prints as is: control characters from config strings (a path with \r) written as escapes. */
function printable(note: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is matched
  return note.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
