import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { CallerIdentity, CertificateIdentity, TokenIdentity } from '@switchboard/core';

/** A verified token with the scopes and roles read from it. @internal */
export interface VerifiedToken {
  readonly token: TokenIdentity;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
}

/**
 * The identity of a call: the token's names, scopes and roles when one was
 * verified, else the certificate's; `undefined` with neither. @internal
 */
export function callerIdentity(certificate: CertificateIdentity | undefined, verified: VerifiedToken | undefined): CallerIdentity | undefined {
  if (verified !== undefined) {
    const { token, scopes, roles } = verified;
    return { subject: token.subject, names: [token.subject], scopes, roles, token, ...(certificate ? { certificate } : {}) };
  }
  if (certificate === undefined) return undefined;
  const cn = certificate.subjectFields['CN'];
  const names = [certificate.subject, ...(cn === undefined ? [] : [cn]), ...certificate.uris, ...certificate.dnsNames, ...certificate.emails];
  return { subject: certificate.subject, names: [...new Set(names)], scopes: [], roles: [], certificate };
}

/** What a verified client certificate says about its holder. @internal */
export function certificateIdentity(peer: PeerCertificate): CertificateIdentity {
  const x509 = new X509Certificate(peer.raw);
  const subject = distinguishedName(x509.subject);
  const sans = alternativeNames(x509.subjectAltName ?? '');
  return {
    subject: subject.text,
    subjectFields: subject.fields,
    issuer: distinguishedName(x509.issuer).text,
    dnsNames: sans.get('DNS') ?? [],
    uris: sans.get('URI') ?? [],
    emails: sans.get('email') ?? [],
    ipAddresses: sans.get('IP Address') ?? [],
    serialNumber: x509.serialNumber,
    fingerprint256: x509.fingerprint256,
    validTo: new Date(x509.validTo),
  };
}

/** Node's one-attribute-per-line subject (`C=US\nCN=billing`) as `C=US,CN=billing` and by name. */
function distinguishedName(lines: string): { text: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  const parts: string[] = [];
  for (const line of lines.split('\n')) {
    if (line === '') continue;
    const at = line.indexOf('=');
    const name = line.slice(0, at);
    const value = unquote(line.slice(at + 1));
    parts.push(`${name}=${value}`);
    fields[name] ??= value;
  }
  return { text: parts.join(','), fields };
}

/**
 * Node's `subjectAltName` text (`DNS:a, URI:spiffe://t/x, IP Address:127.0.0.1`)
 * by kind. Node quotes a value holding a comma or a quote as a JSON string
 * (CVE-2021-44532), so a forged `DNS:a, URI:b` inside one name stays one name.
 */
function alternativeNames(text: string): Map<string, string[]> {
  const names = new Map<string, string[]>();
  const entry = /([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;
  for (let match = entry.exec(text); match !== null && match[0] !== ''; match = entry.exec(text)) {
    const kind = match[1]!;
    names.set(kind, [...(names.get(kind) ?? []), unquote(match[2]!)]);
  }
  return names;
}

function unquote(value: string): string {
  return value.startsWith('"') ? (JSON.parse(value) as string) : value;
}
