import { status } from '@grpc/grpc-js';
import { PickResultType, type PickResult } from '../grpc-experimental';

/**
 * Status codes that count against an endpoint's success rate: the server or
 * the path to it failed, not the request (go-zero's p2c counts the same codes
 * as "not acceptable").
 */
const FAILURES = new Set<number>([status.UNKNOWN, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNAVAILABLE, status.DATA_LOSS]);

/**
 * What one channel has seen of one endpoint's calls: how many are in flight,
 * and time-decayed averages of their latency and success.
 *
 * The averages follow go-zero's p2c (itself after Finagle): a sample's weight
 * depends on the time since the previous one, `w = exp(-Δt / τ)`, so an
 * endpoint that was not called for a while is re-learnt from its next call
 * rather than from stale history. Unlike go-zero, the first sample seeds the
 * latency (go-zero starts from 0), so a slow endpoint is known as slow after
 * one call.
 */
export class EndpointStats {
  /** Calls started on this endpoint and not yet ended. */
  inFlight = 0;
  /** EWMA of call latency in ms; undefined until a call has ended. */
  latencyMs: number | undefined;
  /** EWMA of the share of calls that did not fail with one of {@link FAILURES}, 0–1. */
  success = 1;
  /** When a picker last chose this endpoint (performance.now()). */
  lastPickedAt = 0;
  private lastSampleAt = 0;

  constructor(private readonly decayMs: number) {}

  /**
   * Returns `result` with call accounting added: grpc-js calls
   * `onCallStarted` once the call is on the wire and `onCallEnded` with its
   * status; a pick that is retried before starting calls neither.
   */
  track(result: PickResult): PickResult {
    if (result.pickResultType !== PickResultType.COMPLETE) return result;
    const { onCallStarted, onCallEnded } = result;
    let startedAt = 0;
    return {
      ...result,
      onCallStarted: () => {
        startedAt = performance.now();
        this.inFlight += 1;
        onCallStarted?.();
      },
      onCallEnded: (code, details, metadata) => {
        this.inFlight -= 1;
        this.observe(performance.now() - startedAt, code);
        onCallEnded?.(code, details, metadata);
      },
    };
  }

  /** Folds one ended call into the averages. */
  observe(latencyMs: number, code: number, now = performance.now()): void {
    const failed = FAILURES.has(code);
    const w = this.latencyMs === undefined ? 0 : Math.exp(-Math.max(0, now - this.lastSampleAt) / this.decayMs);
    this.lastSampleAt = now;
    this.success = this.success * w + (failed ? 0 : 1) * (1 - w);
    // A failure never makes an endpoint look faster: one that fails fast
    // would otherwise draw ever more calls.
    const sample = failed ? Math.max(latencyMs, this.latencyMs ?? 0) : latencyMs;
    this.latencyMs = this.latencyMs === undefined ? sample : this.latencyMs * w + sample * (1 - w);
  }
}
