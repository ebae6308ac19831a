import { Document } from 'yaml';
import type { K8sManifest } from './manifests';

/**
 * The manifests as YAML files, one per kind (`deployment.yaml`,
 * `service.yaml`, ...), each a stream of documents with its comments, and
 * `header` above the first: what `--out DIR` writes. In the order of first
 * appearance, so that the Deployment comes first.
 */
export function renderManifestFiles(manifests: readonly K8sManifest[], header: string): Map<string, string> {
  const byFile = new Map<string, K8sManifest[]>();
  for (const manifest of manifests) {
    const file = `${manifest.kind.toLowerCase()}.yaml`;
    byFile.set(file, [...(byFile.get(file) ?? []), manifest]);
  }
  return new Map([...byFile].map(([file, list]) => [file, renderManifests(list, header)]));
}

/** The manifests as one YAML stream, `header` (a comment) above the first: what stdout gets. */
export function renderManifests(manifests: readonly K8sManifest[], header: string): string {
  return manifests
    .map((manifest, i) => {
      // Written out in full where two places hold one object (the probes' action): kubectl users read these.
      const doc = new Document(manifest.object, { aliasDuplicateObjects: false });
      const comment = [...(i === 0 ? [header] : []), ...(manifest.comment === undefined ? [] : [manifest.comment])].join('\n');
      // yaml writes each line of commentBefore after a '#'.
      if (comment !== '') doc.commentBefore = comment.replace(/^/gm, ' ');
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}
