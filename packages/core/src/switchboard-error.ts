/**
 * The stable codes of {@link SwitchboardError}. They name misuse and bad
 * configuration, never what crossed the wire (that is `RpcError`).
 */
export type SwitchboardErrorCode =
  'SB_ERR_CONFIG' | 'SB_ERR_TOKEN' | 'SB_ERR_UNBOUND' | 'SB_ERR_DEFINITION' | 'SB_ERR_SERVICE' | 'SB_ERR_PROTO' | 'SB_ERR_LISTEN';

/** An error in how Switchboard is used or configured, with a stable code. */
export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  constructor(
    readonly code: SwitchboardErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
