import type { Schema } from 'convict';

/** The JWS algorithms a bearer token may be signed with: asymmetric only (never `none`, never a shared HMAC secret). */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** The `auth` keys of a server: how bearer tokens are verified. Client certificates are `server.tls`. */
export interface AuthConfig {
  auth: {
    jwt: {
      jwksFile: string;
      jwksUrl: string;
      jwksCacheMs: number;
      issuer: string;
      audience: string;
      algorithms: string[];
      clockToleranceMs: number;
      rolesClaim: string;
    };
  };
}

function algorithms(value: unknown): void {
  const allowed = `must be a non-empty list of ${JWT_ALGORITHMS.join(', ')}`;
  if (!Array.isArray(value) || value.length === 0) throw new Error(allowed);
  const bad = value.filter((a) => !(JWT_ALGORITHMS as readonly unknown[]).includes(a));
  if (bad.length > 0) throw new Error(`${JSON.stringify(bad)}: ${allowed}`);
}

/**
 * The convict schema of {@link AuthConfig}. Bearer tokens are verified when
 * `jwksFile` or `jwksUrl` is set; then `issuer` and `audience` are required.
 */
export const authConfigSchema: Schema<AuthConfig> = {
  auth: {
    jwt: {
      jwksFile: {
        doc: 'A JSON Web Key Set file ({"keys": [...]}) of the keys bearer tokens are signed with; read at start, and again when it changes (checked at most once a second).',
        format: String,
        default: '',
        env: 'AUTH_JWT_JWKS_FILE',
      },
      jwksUrl: {
        doc: "The https URL of the issuer's JSON Web Key Set (http only to a loopback host), fetched when a token names a key not yet known, and cached.",
        format: String,
        default: '',
        env: 'AUTH_JWT_JWKS_URL',
      },
      jwksCacheMs: {
        doc: 'How long keys fetched from jwksUrl are used before they are fetched again; while that fetch fails, the keys fetched last go on being used.',
        format: 'duration',
        default: 600000,
      },
      issuer: { doc: 'The `iss` every token must carry.', format: String, default: '', env: 'AUTH_JWT_ISSUER' },
      audience: { doc: 'The audience (`aud`) every token must name: this service.', format: String, default: '', env: 'AUTH_JWT_AUDIENCE' },
      algorithms: {
        doc: 'The signature algorithms accepted.',
        format: algorithms,
        default: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        env: 'AUTH_JWT_ALGORITHMS',
      },
      clockToleranceMs: { doc: 'Leeway for `exp` and `nbf` against this clock.', format: 'duration', default: 30000 },
      rolesClaim: {
        doc: 'The claim that holds the roles, a dotted path into the payload (`realm_access.roles` for Keycloak).',
        format: String,
        default: 'roles',
      },
    },
  },
};
