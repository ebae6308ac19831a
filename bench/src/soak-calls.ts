import { Container } from 'inversify';
import { Code, ErrorInfo, RpcError, codeName, loadConfig, resolve } from '@switchboard/core';
import { clientsSchema, closeClients, defineClient, registerClients, type BidiCall, type CallOptions } from '@switchboard/client';
import { payloadOf } from './bench-handlers';
import { withConfigFiles } from './config-files';
import { PLANNED_REASON, SECRET, Soak, type Ending, type SoakReply, type SoakRequest } from './soak-definition';

/** How a soak call is planned to end. */
export type Plan = 'ok' | 'cancel' | 'deadline' | 'deadline-spent' | 'rpc-error' | 'throw';

/** The abnormal endings, in the order they take turns. */
export const ABNORMAL: readonly Plan[] = ['cancel', 'deadline', 'deadline-spent', 'rpc-error', 'throw'];

/** The call kinds the soak drives. */
export type CallKind = 'unary' | 'server-stream' | 'bidi';

/** What one call ended with. */
export interface Outcome {
  /** The final status code's name, or `HUNG` when the call was still running past its deadline and the margin. */
  readonly code: string;
  /** Streamed messages the call carried: server-stream replies received, bidi requests sent and replies received. */
  readonly messages: number;
  /** Why the outcome is not what the plan expects; undefined when it is. */
  readonly problem?: string;
}

/** The code each plan must end with. */
const EXPECTED: Record<Plan, Code> = {
  ok: Code.OK,
  cancel: Code.CANCELLED,
  deadline: Code.DEADLINE_EXCEEDED,
  'deadline-spent': Code.DEADLINE_EXCEEDED,
  'rpc-error': Code.FAILED_PRECONDITION,
  throw: Code.INTERNAL,
};

/** Replies of a server stream that ends normally; bidi round trips of one. */
export const STREAM_REPLIES = 20;
export const BIDI_ROUNDS = 10;
const PAYLOAD = payloadOf(100);
/** How long a WAIT handler waits when nothing ends the call first: longer than any short deadline here. */
const WAIT_MS = 5_000;

interface SoakStub {
  Unary(request: Partial<SoakRequest>, options?: CallOptions): Promise<SoakReply>;
  ServerStream(request: Partial<SoakRequest>, options?: CallOptions): AsyncIterable<SoakReply>;
  Bidi(options?: CallOptions): BidiCall<Partial<SoakRequest>, SoakReply>;
}

/** The streamed messages a call has carried so far, kept when it fails, and how many a planned failure must come after. */
interface Progress {
  messages: number;
  beforeFailure?: number;
}

/** What a call body gets: its plan, a number that varies delays and counts, its options and its canceller. */
interface Planned {
  readonly plan: Plan;
  readonly seed: number;
  readonly options: CallOptions;
  readonly controller: AbortController | undefined;
  readonly progress: Progress;
}

const soakClient = defineClient('soak', Soak);

/**
 * The soak's load, made with a Switchboard client: one call of a kind with a
 * planned ending, checked against what that ending must produce, and given
 * up as HUNG if it runs `marginMs` past its deadline.
 */
export class SoakClient {
  private readonly container = new Container();
  private readonly stub: SoakStub;

  constructor(
    port: number,
    private readonly deadlineMs: number,
    private readonly marginMs: number,
  ) {
    const files = { 'default.json': { clients: { soak: { target: `127.0.0.1:${port}`, deadlineMs } } } };
    const config = withConfigFiles(files, (dir) => loadConfig(clientsSchema([soakClient]), { argv: [], env: {}, configDir: dir }));
    registerClients(this.container, config, [soakClient], {});
    this.stub = resolve(this.container, soakClient.token);
  }

  /** Runs one call of `kind` planned to end by `plan`; never rejects. */
  async run(kind: CallKind, plan: Plan, seed: number): Promise<Outcome> {
    const now = Date.now();
    const options: CallOptions = {};
    let deadlineAt = now + this.deadlineMs;
    if (plan === 'deadline') {
      deadlineAt = now + (kind === 'unary' ? 10 + (seed % 40) : 50 + (seed % 50));
      options.deadline = new Date(deadlineAt);
    } else if (plan === 'deadline-spent') {
      deadlineAt = now - 1 - (seed % 100);
      options.deadline = new Date(deadlineAt);
    }
    const controller = plan === 'cancel' ? new AbortController() : undefined;
    if (controller !== undefined) options.signal = controller.signal;
    const planned: Planned = { plan, seed, options, controller, progress: { messages: 0 } };

    const body = kind === 'unary' ? this.unary(planned) : kind === 'server-stream' ? this.serverStream(planned) : this.bidi(planned);
    const settled = body.then(
      (check) => outcome(planned, undefined, check),
      (error: unknown) => outcome(planned, error, undefined),
    );
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<Outcome>((resolveHung) => {
      timer = setTimeout(
        () => resolveHung({ code: 'HUNG', messages: planned.progress.messages, problem: `still running ${this.marginMs} ms past its deadline` }),
        Math.max(0, deadlineAt + this.marginMs - now),
      );
    });
    try {
      return await Promise.race([settled, hung]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    closeClients(this.container);
  }

  /** Resolves to a problem with the call's OK result, or undefined. */
  private async unary({ plan, seed, options, controller }: Planned): Promise<string | undefined> {
    if (controller !== undefined) setTimeout(() => controller.abort(), seed % 10);
    await this.stub.Unary({ ending: endingOf(plan, 'WAIT'), wait_ms: WAIT_MS, payload: PAYLOAD }, options);
    return undefined;
  }

  private async serverStream({ plan, seed, options, controller, progress }: Planned): Promise<string | undefined> {
    const count = plan === 'ok' || plan === 'deadline-spent' ? STREAM_REPLIES : 5 + (seed % 10);
    const request = { ending: endingOf(plan, plan === 'cancel' ? 'ENDLESS' : 'WAIT'), count, wait_ms: WAIT_MS, payload: PAYLOAD };
    // Replies sent before an error status must all arrive before it.
    if (plan === 'rpc-error' || plan === 'throw') progress.beforeFailure = count;
    for await (const _ of this.stub.ServerStream(request, options)) {
      if (++progress.messages === count) controller?.abort();
    }
    return progress.messages === count ? undefined : `${progress.messages} of ${count} replies`;
  }

  private async bidi({ plan, seed, options, controller, progress }: Planned): Promise<string | undefined> {
    const call = this.stub.Bidi(options);
    const replies = call[Symbol.asyncIterator]();
    const rounds = plan === 'ok' || plan === 'deadline-spent' ? BIDI_ROUNDS : 2 + (seed % 8);
    for (let i = 0; i < rounds; i++) {
      await call.write({ ending: 'OK', payload: PAYLOAD });
      progress.messages++;
      if ((await replies.next()).done === true) return `the stream ended after ${i} of ${rounds} replies`;
      progress.messages++;
    }
    switch (plan) {
      case 'ok':
      case 'deadline-spent':
        call.end();
        break;
      case 'cancel':
        controller?.abort();
        break;
      case 'deadline':
        break; // nothing more is written: the handler waits for a request until the deadline
      case 'rpc-error':
      case 'throw':
        await call.write({ ending: endingOf(plan, 'OK'), payload: PAYLOAD });
        progress.messages++;
        progress.beforeFailure = 2 * rounds + 1;
        break;
    }
    const last = await replies.next();
    return last.done === true ? undefined : 'a reply after the last request';
  }
}

/** The ending a request asks the handler for under `plan`; `waiting` is what cancel and deadline plans ask. */
function endingOf(plan: Plan, waiting: Ending): Ending {
  switch (plan) {
    case 'ok':
    case 'deadline-spent':
      return 'OK';
    case 'cancel':
    case 'deadline':
      return waiting;
    case 'rpc-error':
      return 'RPC_ERROR';
    case 'throw':
      return 'THROW';
  }
}

/** The outcome of a settled call, with the problem if it is not what the plan must produce. */
function outcome(planned: Planned, error: unknown, check: string | undefined): Outcome {
  const messages = planned.progress.messages;
  const expected = codeName(EXPECTED[planned.plan]);
  if (error === undefined) {
    const problem = expected !== 'OK' ? `expected ${expected}, got OK` : check;
    return { code: 'OK', messages, ...(problem === undefined ? {} : { problem }) };
  }
  if (!(error instanceof RpcError))
    return { code: 'NOT_AN_RPC_ERROR', messages, problem: `threw ${error instanceof Error ? error.stack : JSON.stringify(error)}` };
  const code = codeName(error.code);
  let problem: string | undefined;
  if (code !== expected) problem = `expected ${expected}, got ${error.message}`;
  else if (planned.plan === 'rpc-error' && error.findDetail(ErrorInfo)?.reason !== PLANNED_REASON) problem = 'the ErrorInfo detail did not arrive';
  else if (planned.plan === 'throw' && error.message.includes(SECRET)) problem = `the thrown message reached the client: ${error.message}`;
  else if (planned.progress.beforeFailure !== undefined && messages !== planned.progress.beforeFailure) {
    problem = `${messages} messages before the error status, ${planned.progress.beforeFailure} sent`;
  }
  return { code, messages, ...(problem === undefined ? {} : { problem }) };
}
