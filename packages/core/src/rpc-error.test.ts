import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import {
  BadRequest,
  DebugInfo,
  type Detail,
  detailType,
  type DetailType,
  encodeStatusDetails,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  type RawDetail,
  registerDetailType,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from './error-details';
import { Code, codeName, parseCode, RpcError } from './rpc-error';

const DETAILS_KEY = 'grpc-status-details-bin';

function roundTrip(error: RpcError): RpcError {
  const status = error.toStatus();
  return RpcError.fromStatus({ code: status.code, details: status.details, metadata: status.metadata });
}

describe('codeName', () => {
  it('names a code as the gRPC spec does', () => {
    expect(codeName(Code.INVALID_ARGUMENT)).toBe('INVALID_ARGUMENT');
    expect(codeName(Code.OK)).toBe('OK');
    expect(codeName(Code.UNAUTHENTICATED)).toBe('UNAUTHENTICATED');
  });

  it('falls back to the number for a code outside the set', () => {
    expect(codeName(42 as Code)).toBe('42');
  });
});

describe('parseCode', () => {
  it('reads a code name in any case, or its number', () => {
    expect(parseCode('NOT_FOUND')).toBe(Code.NOT_FOUND);
    expect(parseCode(' deadline_exceeded ')).toBe(Code.DEADLINE_EXCEEDED);
    expect(parseCode('14')).toBe(Code.UNAVAILABLE);
    expect(parseCode('0')).toBe(Code.OK);
  });

  it('gives undefined for anything that is not a code', () => {
    expect(parseCode('NOPE')).toBeUndefined();
    expect(parseCode('17')).toBeUndefined();
    expect(parseCode('')).toBeUndefined();
    expect(parseCode('toString')).toBeUndefined();
  });

  it('reads back every name codeName gives', () => {
    for (let code = Code.OK; code <= Code.UNAUTHENTICATED; code++) {
      expect(parseCode(codeName(code))).toBe(code);
    }
  });
});

describe('an RpcError', () => {
  it('shows its code name before the message, and keeps the message as sent', () => {
    const error = new RpcError(Code.INVALID_ARGUMENT, 'Invalid information received');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RpcError');
    expect(error.message).toBe('[INVALID_ARGUMENT] Invalid information received');
    expect(error.rawMessage).toBe('Invalid information received');
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
  });

  it('starts with no details and empty metadata', () => {
    const error = new RpcError(Code.INTERNAL, 'x');
    expect(error.details).toEqual([]);
    expect(error.metadata.getMap()).toEqual({});
    expect(error.cause).toBeUndefined();
  });

  it('keeps its cause', () => {
    const cause = new Error('disk full');
    expect(new RpcError(Code.INTERNAL, 'x', { cause }).cause).toBe(cause);
  });

  it('does not change when the details array given to it does', () => {
    const details: Detail[] = [ErrorInfo.create({ reason: 'A' })];
    const error = new RpcError(Code.ABORTED, 'x', { details });
    details.push(ErrorInfo.create({ reason: 'B' }));
    expect(error.details).toHaveLength(1);
    expect(Object.isFrozen(error.details)).toBe(true);
  });

  it('finds its details by type', () => {
    const error = new RpcError(Code.INVALID_ARGUMENT, 'x', {
      details: [ErrorInfo.create({ reason: 'FIRST' }), BadRequest.create({ field_violations: [{ field: 'a' }] }), ErrorInfo.create({ reason: 'SECOND' })],
    });
    expect(error.findDetails(ErrorInfo).map((info) => info.reason)).toEqual(['FIRST', 'SECOND']);
    expect(error.findDetail(ErrorInfo)?.reason).toBe('FIRST');
    expect(error.findDetail(BadRequest)?.field_violations?.[0]?.field).toBe('a');
    expect(error.findDetail(RetryInfo)).toBeUndefined();
  });
});

describe('toStatus and fromStatus', () => {
  const table: [DetailType<unknown>, unknown][] = [
    [ErrorInfo, { reason: 'STOCK_EXHAUSTED', domain: 'shop.example.com', metadata: { sku: 'A-1' } }],
    [RetryInfo, { retry_delay: { seconds: 2, nanos: 250_000_000 } }],
    [DebugInfo, { stack_entries: ['at handler'], detail: 'oops' }],
    [
      QuotaFailure,
      {
        violations: [
          {
            subject: 'project:1',
            description: 'daily limit',
            api_service: '',
            quota_metric: '',
            quota_id: '',
            quota_dimensions: {},
            quota_value: 0,
          },
        ],
      },
    ],
    [PreconditionFailure, { violations: [{ type: 'TOS', subject: 'user:1', description: 'not accepted' }] }],
    [BadRequest, { field_violations: [{ field: 'name', description: 'required', reason: 'MISSING' }] }],
    [RequestInfo, { request_id: 'req-7', serving_data: '' }],
    [ResourceInfo, { resource_type: 'order', resource_name: 'orders/7', owner: '', description: 'not found' }],
    [Help, { links: [{ description: 'docs', url: 'https://example.com' }] }],
    [LocalizedMessage, { locale: 'en-US', message: 'Try again later' }],
  ];
  const cases = table.map(([type, value]) => ({ type, value }));

  it.each(cases)('carry a $type.typeName detail from server to client', ({ type, value }) => {
    const received = roundTrip(new RpcError(Code.FAILED_PRECONDITION, 'cannot proceed', { details: [type.create(value)] }));
    expect(received.code).toBe(Code.FAILED_PRECONDITION);
    expect(received.rawMessage).toBe('cannot proceed');
    expect(received.findDetails(type)).toStrictEqual([value]);
  });

  it('carry all detail types at once, in order', () => {
    const details = cases.map(({ type, value }) => type.create(value));
    expect(roundTrip(new RpcError(Code.INTERNAL, 'many', { details })).details).toStrictEqual(details);
  });

  it('send the error metadata as trailers, without touching the error', () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', 'r-1');
    const error = new RpcError(Code.NOT_FOUND, 'missing', { metadata, details: [ErrorInfo.create({ reason: 'R' })] });
    const status = error.toStatus();
    expect(status.code).toBe(Code.NOT_FOUND);
    expect(status.details).toBe('missing');
    expect(status.metadata.get('x-request-id')).toEqual(['r-1']);
    expect(status.metadata.get(DETAILS_KEY)).toHaveLength(1);
    expect(error.metadata.get(DETAILS_KEY)).toEqual([]);
  });

  it('send no details trailer for an error without details', () => {
    expect(new RpcError(Code.NOT_FOUND, 'missing').toStatus().metadata.get(DETAILS_KEY)).toEqual([]);
  });

  it('keep the received metadata', () => {
    const metadata = new grpc.Metadata();
    metadata.set('retry-after', '5');
    const received = RpcError.fromStatus({ code: Code.UNAVAILABLE, details: 'busy', metadata });
    expect(received.metadata.get('retry-after')).toEqual(['5']);
    expect(received.details).toEqual([]);
  });

  it('keep the error but drop the details when the trailer is not a Status', () => {
    const metadata = new grpc.Metadata();
    metadata.set(DETAILS_KEY, Buffer.from([0xff, 0xff, 0xff]));
    const received = RpcError.fromStatus({ code: Code.INTERNAL, details: 'broken', metadata });
    expect(received.code).toBe(Code.INTERNAL);
    expect(received.rawMessage).toBe('broken');
    expect(received.details).toEqual([]);
  });

  it('treat a code outside the set as UNKNOWN', () => {
    expect(RpcError.fromStatus({ code: 99, details: 'odd' }).code).toBe(Code.UNKNOWN);
  });

  it('carry a detail type of your own once registered', () => {
    const root = protobuf.parse('syntax = "proto3"; package shop.v1; message OutOfStock { string sku = 1; int32 available = 2; }', { keepCase: true }).root;
    const OutOfStock = detailType<{ sku?: string; available?: number }>('shop.v1.OutOfStock', root);
    registerDetailType(OutOfStock);
    const received = roundTrip(new RpcError(Code.RESOURCE_EXHAUSTED, 'sold out', { details: [OutOfStock.create({ sku: 'A-1', available: 2 })] }));
    expect(received.findDetail(OutOfStock)).toStrictEqual({ sku: 'A-1', available: 2 });
  });

  it('pass a detail of an unknown type on unchanged, as a proxy would', () => {
    const unknownValue = new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63]);
    const sent = encodeStatusDetails(Code.ABORTED, 'conflict', [
      { type: 'acme.v1.Conflict', value: unknownValue, raw: true } as RawDetail,
      ErrorInfo.create({ reason: 'CONFLICT' }),
    ]);
    const metadata = new grpc.Metadata();
    metadata.set(DETAILS_KEY, sent);
    const received = RpcError.fromStatus({ code: Code.ABORTED, details: 'conflict', metadata });
    expect(received.details[0]).toStrictEqual({ type: 'acme.v1.Conflict', value: unknownValue, raw: true });

    const forwarded = new RpcError(received.code, received.rawMessage, { details: received.details }).toStatus();
    expect(forwarded.metadata.get(DETAILS_KEY)[0]).toEqual(sent);
  });
});

describe('RpcError.from', () => {
  it('returns an RpcError as is', () => {
    const error = new RpcError(Code.NOT_FOUND, 'x');
    expect(RpcError.from(error)).toBe(error);
  });

  it('returns the RpcError an AbortSignal was aborted with', () => {
    const error = new RpcError(Code.UNAVAILABLE, 'shutting down');
    const controller = new AbortController();
    controller.abort(error);
    expect(RpcError.from(controller.signal.reason)).toBe(error);
    expect(RpcError.from(controller.signal)).toBe(error);
  });

  it('makes an AbortError CANCELLED', () => {
    const controller = new AbortController();
    controller.abort();
    const error = RpcError.from(controller.signal.reason);
    expect(error.code).toBe(Code.CANCELLED);
    expect(error.cause).toBe(controller.signal.reason);

    const named = Object.assign(new Error('stopped'), { name: 'AbortError' });
    expect(RpcError.from(named).code).toBe(Code.CANCELLED);
    expect(RpcError.from(named).rawMessage).toBe('stopped');
  });

  it('makes a TimeoutError DEADLINE_EXCEEDED', () => {
    const error = RpcError.from(new DOMException('The operation timed out.', 'TimeoutError'));
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(error.rawMessage).toBe('The operation timed out.');
  });

  it('reads the status and details of a grpc-js ServiceError', () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-trace', 't-1');
    metadata.set(DETAILS_KEY, encodeStatusDetails(Code.INVALID_ARGUMENT, 'bad', [BadRequest.create({ field_violations: [{ field: 'qty' }] })]));
    const serviceError = Object.assign(new Error('3 INVALID_ARGUMENT: bad'), {
      code: Code.INVALID_ARGUMENT,
      details: 'bad',
      metadata,
    });
    const error = RpcError.from(serviceError);
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toBe('bad');
    expect(error.cause).toBe(serviceError);
    expect(error.metadata.get('x-trace')).toEqual(['t-1']);
    expect(error.findDetail(BadRequest)?.field_violations?.[0]?.field).toBe('qty');
  });

  it('makes any other error the fallback code with its message, keeping it as cause', () => {
    const cause = new TypeError('x is not a function');
    const error = RpcError.from(cause);
    expect(error.code).toBe(Code.UNKNOWN);
    expect(error.rawMessage).toBe('x is not a function');
    expect(error.cause).toBe(cause);
    expect(RpcError.from(cause, Code.INTERNAL).code).toBe(Code.INTERNAL);
  });

  it('makes a thrown non-error the fallback code', () => {
    expect(RpcError.from('plain text').rawMessage).toBe('plain text');
    expect(RpcError.from(undefined, Code.INTERNAL).code).toBe(Code.INTERNAL);
    expect(RpcError.from({ code: 'ENOENT', message: 'no file' }).rawMessage).toBe('no file');
  });
});

describe('an RpcError sent by a grpc-js server', () => {
  const identity = {
    path: '/test.Echo/Fail',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  };
  const definition = { Fail: identity };
  let server: grpc.Server;
  let client: grpc.Client & { Fail: (req: Buffer, cb: (err: grpc.ServiceError | null) => void) => void };

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(definition, {
      Fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const metadata = new grpc.Metadata();
        metadata.set('x-request-id', 'r-9');
        const error = new RpcError(Code.INVALID_ARGUMENT, 'Invalid information received', {
          metadata,
          details: [
            BadRequest.create({ field_violations: [{ field: 'name', description: 'required' }] }),
            RetryInfo.create({ retry_delay: { seconds: 1, nanos: 0 } }),
          ],
        });
        callback(error.toStatus());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const Client = grpc.makeGenericClientConstructor(definition, 'Echo');
    client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as typeof client;
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it('reaches the client with its code, message, trailers and details', async () => {
    const serviceError = await new Promise<grpc.ServiceError | null>((resolve) => client.Fail(Buffer.alloc(0), resolve));
    const error = RpcError.from(serviceError);
    expect(error.message).toBe('[INVALID_ARGUMENT] Invalid information received');
    expect(error.metadata.get('x-request-id')).toEqual(['r-9']);
    expect(error.findDetail(BadRequest)).toStrictEqual({
      field_violations: [{ field: 'name', description: 'required', reason: '' }],
    });
    expect(error.findDetail(RetryInfo)).toStrictEqual({ retry_delay: { seconds: 1, nanos: 0 } });
  });
});
