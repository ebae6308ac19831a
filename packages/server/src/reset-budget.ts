/**
 * nghttp2's limit on RST_STREAM frames a server takes on one connection, as
 * built into Node 20 (nghttp2 1.61, `NGHTTP2_DEFAULT_STREAM_RESET_BURST` and
 * `_RATE`): a token bucket of 1,000 that refills 33 a second, one token per
 * RST_STREAM received. When it runs dry nghttp2 sends GOAWAY INTERNAL_ERROR,
 * and a Node client then fails every call still open on that connection.
 * Node 20 has no option to change it (`streamResetBurst` and
 * `streamResetRate` came in later lines). It stops counting once the server
 * has sent any GOAWAY.
 */
export const NGHTTP2_RESET_BURST = 1000;
export const NGHTTP2_RESET_RATE_PER_S = 33;

/**
 * How many of nghttp2's tokens are kept back when the connection is asked to
 * go away. A stream reset after it closed on our side (a cancel crossing the
 * response), or reset with NO_ERROR, costs nghttp2 a token that this count
 * cannot see; and nghttp2 refills in whole seconds, up to 33 tokens ahead of
 * or behind this smooth refill. Half the bucket covers both with room.
 */
export const RESET_RESERVE = 500;

/**
 * Our side of nghttp2's reset bucket for one connection: every stream the
 * peer reset takes a token, tokens come back at nghttp2's rate, and
 * `spend()` says when the connection should be closed gracefully (GOAWAY
 * NO_ERROR, calls in flight finish, the client reconnects) before nghttp2
 * would close it with an error.
 *
 * @internal
 */
export class ResetBudget {
  private tokens = NGHTTP2_RESET_BURST;
  private last: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.last = now();
  }

  /** Takes one token; true once the tokens left are down to the reserve. */
  spend(): boolean {
    const now = this.now();
    this.tokens = Math.min(NGHTTP2_RESET_BURST, this.tokens + ((now - this.last) * NGHTTP2_RESET_RATE_PER_S) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens <= RESET_RESERVE;
  }
}
