#!/usr/bin/env node
// Mints a bearer JWT for trying the orders app's guarded service (ecommerce.OrderAdmin) locally.
// DEVELOPMENT ONLY: the signing key is made on first use and kept in plain text beside this app.
//
//   node apps/orders/scripts/dev-token.mjs [--sub alice] [--scope "orders:admin"] [--ttl 3600] [--dir DIR]
//
// Prints the token on stdout, and on stderr the environment a server needs to accept it
// (AUTH_JWT_JWKS_FILE, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE). The key pair lives in DIR
// (default apps/orders/.dev-auth, git-ignored): signing-key.json (private) and jwks.json (public).
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const DEV_ISSUER = 'https://dev.switchboard.invalid';
const DEV_AUDIENCE = 'ecommerce.orders';

const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'dev-operator' },
    scope: { type: 'string', default: 'orders:admin' },
    ttl: { type: 'string', default: '3600' },
    dir: { type: 'string', default: path.join(import.meta.dirname, '..', '.dev-auth') },
  },
});

const keyFile = path.join(values.dir, 'signing-key.json');
const jwksFile = path.join(values.dir, 'jwks.json');
if (!fs.existsSync(keyFile)) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  fs.mkdirSync(values.dir, { recursive: true });
  fs.writeFileSync(keyFile, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256' }), { mode: 0o600 });
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] }, null, 2));
}
const jwk = JSON.parse(fs.readFileSync(keyFile, 'utf8'));

const now = Math.floor(Date.now() / 1000);
const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const signingInput = `${base64url({ alg: 'ES256', typ: 'JWT', kid: jwk.kid })}.${base64url({
  iss: DEV_ISSUER,
  aud: DEV_AUDIENCE,
  sub: values.sub,
  scope: values.scope,
  iat: now,
  exp: now + Number(values.ttl),
})}`;
// ES256 (RFC 7518 §3.4): SHA-256 over P-256, the signature as r || s.
const signature = sign('sha256', Buffer.from(signingInput), { key: createPrivateKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' });

process.stdout.write(`${signingInput}.${signature.toString('base64url')}\n`);
process.stderr.write(`AUTH_JWT_JWKS_FILE=${jwksFile} AUTH_JWT_ISSUER=${DEV_ISSUER} AUTH_JWT_AUDIENCE=${DEV_AUDIENCE}\n`);
