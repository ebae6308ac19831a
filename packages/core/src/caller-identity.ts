/**
 * Who is calling, as the server established it: from a verified client
 * certificate (mTLS), from a verified bearer token (JWT), or both. When a
 * token was verified, `subject`, `names`, `scopes` and `roles` are the
 * token's (the end user acting), and `certificate` still says which workload
 * connected; otherwise they are the certificate's.
 *
 * @example
 * async cancelOrder(id: StringValue__Output, ctx: CallContext) {
 *   ctx.identity?.subject; // 'alice' (token) or 'CN=billing' (certificate)
 * }
 */
export interface CallerIdentity {
  /** A token's `sub`; else the certificate's subject, `CN=billing,O=Acme` (attributes in certificate order). */
  readonly subject: string;
  /**
   * Every name the caller proved, which `@Authorize({ subjects })` matches:
   * a token's `sub`; else the certificate's subject, its common name and its
   * URI (SPIFFE ids), DNS and email alternative names.
   */
  readonly names: readonly string[];
  /** A token's `scope` (space-separated) or `scp` claim; empty for a certificate. */
  readonly scopes: readonly string[];
  /** A token's roles claim (`auth.jwt.rolesClaim`, default `roles`); empty for a certificate. */
  readonly roles: readonly string[];
  /** The verified client certificate, when the connection has one. */
  readonly certificate?: CertificateIdentity;
  /** The verified bearer token, when the call sent one. */
  readonly token?: TokenIdentity;
}

/** A client certificate that chained to `server.tls.caFile`. */
export interface CertificateIdentity {
  /** `CN=billing,O=Acme`: the subject's attributes in certificate order. */
  readonly subject: string;
  /** The subject's attributes by name (`{ CN: 'billing', O: 'Acme' }`). */
  readonly subjectFields: Readonly<Record<string, string>>;
  readonly issuer: string;
  readonly dnsNames: readonly string[];
  /** URI alternative names, SPIFFE ids among them (`spiffe://acme.test/ns/prod/sa/billing`). */
  readonly uris: readonly string[];
  readonly emails: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly serialNumber: string;
  /** SHA-256 fingerprint, `AB:CD:…`. */
  readonly fingerprint256: string;
  readonly validTo: Date;
}

/** A bearer JWT whose signature, issuer, audience, algorithm and times were verified. */
export interface TokenIdentity {
  readonly subject: string;
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly expiresAt: Date | undefined;
  /** Every claim of the payload, as sent. */
  readonly claims: Readonly<Record<string, unknown>>;
}
