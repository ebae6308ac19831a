import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import {
  BadRequest,
  DebugInfo,
  type Detail,
  detailType,
  type DetailType,
  decodeStatusDetails,
  encodeStatusDetails,
  ErrorInfo,
  Help,
  isRawDetail,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  type RawDetail,
  registerDetailType,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from './error-details';
import { SwitchboardError } from './switchboard-error';

/** google.rpc.Status and friends, loaded here independently of the code under test. */
function independentGoogleRoot(): protobuf.Root {
  const protoDir = path.dirname(require.resolve('google-proto-files/package.json'));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
  return root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
}

function bytes(...parts: (number[] | string | Uint8Array)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
}

function expectProtoError(fn: () => unknown, text: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err: unknown) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(SwitchboardError);
  expect((thrown as SwitchboardError).code).toBe('SB_ERR_PROTO');
  expect((thrown as SwitchboardError).message).toMatch(text);
}

const ORDER_PROTO = `
  syntax = "proto3";
  package shop.v1;
  message OrderProblem {
    enum Kind { KIND_UNSPECIFIED = 0; OUT_OF_STOCK = 1; }
    string order_id = 1;
    int64 amount_cents = 2;
    repeated string notes = 3;
    Kind kind = 4;
  }
`;

interface OrderProblem {
  order_id?: string;
  amount_cents?: number | string;
  notes?: string[];
  kind?: 'KIND_UNSPECIFIED' | 'OUT_OF_STOCK';
}

describe('each standard detail type', () => {
  const table: [DetailType<unknown>, unknown][] = [
    [ErrorInfo, { reason: 'STOCK_EXHAUSTED', domain: 'shop.example.com', metadata: { sku: 'A-1', zone: 'eu' } }],
    [RetryInfo, { retry_delay: { seconds: 3, nanos: 500 } }],
    [DebugInfo, { stack_entries: ['at a', 'at b'], detail: 'boom' }],
    [
      QuotaFailure,
      {
        violations: [
          {
            subject: 'project:1',
            description: 'too many',
            api_service: 'shop',
            quota_metric: 'orders',
            quota_id: 'per-minute',
            quota_dimensions: { region: 'eu' },
            quota_value: 100,
            future_quota_value: 200,
          },
        ],
      },
    ],
    [PreconditionFailure, { violations: [{ type: 'TOS', subject: 'user:1', description: 'not accepted' }] }],
    [
      BadRequest,
      {
        field_violations: [
          {
            field: 'name',
            description: 'required',
            reason: 'MISSING',
            localized_message: { locale: 'en-US', message: 'Name is required' },
          },
        ],
      },
    ],
    [RequestInfo, { request_id: 'req-1', serving_data: 'trace' }],
    [ResourceInfo, { resource_type: 'order', resource_name: 'orders/1', owner: 'user:1', description: 'gone' }],
    [Help, { links: [{ description: 'docs', url: 'https://example.com/docs' }] }],
    [LocalizedMessage, { locale: 'fr-FR', message: 'Nom requis' }],
  ];

  const cases = table.map(([type, value]) => ({ type, value }));

  it.each(cases)('$type.typeName decodes what it encodes, field for field', ({ type, value }) => {
    expect(type.decode(type.encode(value))).toStrictEqual(value);
  });

  it.each(cases)('$type.typeName is named by its full google.rpc message name', ({ type }) => {
    expect(type.typeName).toMatch(/^google\.rpc\.[A-Za-z]+$/);
    expect(type.create({}).type).toBe(type.typeName);
  });
});

describe('a decoded standard detail', () => {
  it('has every field, with proto3 defaults for the ones not sent', () => {
    expect(BadRequest.decode(BadRequest.encode({ field_violations: [{ field: 'name' }] }))).toStrictEqual({
      field_violations: [{ field: 'name', description: '', reason: '' }],
    });
    expect(ErrorInfo.decode(new Uint8Array())).toStrictEqual({ reason: '', domain: '', metadata: {} });
    expect(RetryInfo.decode(new Uint8Array())).toStrictEqual({});
  });

  it('is written without the proto3 fields that hold their default, as other runtimes write it', () => {
    expect(Buffer.from(ErrorInfo.encode({ reason: '', domain: 'd', metadata: {} }))).toEqual(bytes([0x12, 1], 'd'));
    expect(encodeStatusDetails(0, '', [])).toHaveLength(0);
  });

  it('keeps a proto3 optional field set to zero', () => {
    const decoded = QuotaFailure.decode(QuotaFailure.encode({ violations: [{ future_quota_value: 0 }] }));
    expect(decoded.violations?.[0]?.future_quota_value).toBe(0);
    expect(decoded.violations?.[0]?.quota_value).toBe(0);
  });

  it('reads Duration seconds given as a string, and gives them back as a number', () => {
    const decoded = RetryInfo.decode(RetryInfo.encode({ retry_delay: { seconds: '30', nanos: 0 } }));
    expect(decoded).toStrictEqual({ retry_delay: { seconds: 30, nanos: 0 } });
  });

  it('keeps 64-bit values too large for a safe number as strings', () => {
    const decoded = RetryInfo.decode(RetryInfo.encode({ retry_delay: { seconds: '9007199254740993' } }));
    expect(decoded.retry_delay?.seconds).toBe('9007199254740993');
  });
});

describe('a detail type', () => {
  it('recognises only details of its own type', () => {
    const detail = BadRequest.create({ field_violations: [] });
    expect(BadRequest.is(detail)).toBe(true);
    expect(ErrorInfo.is(detail)).toBe(false);
  });

  it('does not claim raw details that carry its name', () => {
    const raw: RawDetail = { type: 'google.rpc.BadRequest', value: new Uint8Array(), raw: true };
    expect(BadRequest.is(raw)).toBe(false);
  });

  it('reports a value it cannot encode as SB_ERR_PROTO', () => {
    expectProtoError(() => RetryInfo.encode({ retry_delay: 'soon' as never }), /cannot encode google\.rpc\.RetryInfo/);
  });
});

describe('encodeStatusDetails and decodeStatusDetails', () => {
  it('carry code, message and details through a google.rpc.Status', () => {
    const details: Detail[] = [
      ErrorInfo.create({ reason: 'R', domain: 'd', metadata: {} }),
      Help.create({ links: [{ description: 'docs', url: 'https://example.com' }] }),
    ];
    expect(decodeStatusDetails(encodeStatusDetails(3, 'bad input', details))).toStrictEqual({
      code: 3,
      message: 'bad input',
      details,
    });
  });

  it('write exactly the google.rpc.Status wire bytes', () => {
    const typeUrl = 'type.googleapis.com/google.rpc.ErrorInfo';
    const any = bytes([0x0a, typeUrl.length], typeUrl, [0x12, 3, 0x0a, 1], 'R');
    const expected = bytes([0x08, 3, 0x12, 3], 'bad', [0x1a, any.length], any);
    expect(encodeStatusDetails(3, 'bad', [ErrorInfo.create({ reason: 'R' })])).toEqual(expected);
  });

  it('read a BadRequest status encoded independently with protobufjs', () => {
    const root = independentGoogleRoot();
    const Status = root.lookupType('google.rpc.Status');
    const BadRequestMessage = root.lookupType('google.rpc.BadRequest');
    const value = BadRequestMessage.encode(BadRequestMessage.fromObject({ field_violations: [{ field: 'email', description: 'not an address' }] })).finish();
    const wire = Status.encode(
      Status.fromObject({
        code: 3,
        message: 'invalid',
        details: [{ type_url: 'type.googleapis.com/google.rpc.BadRequest', value }],
      }),
    ).finish();

    const decoded = decodeStatusDetails(wire);
    expect(decoded.code).toBe(3);
    expect(decoded.message).toBe('invalid');
    expect(decoded.details).toHaveLength(1);
    const [detail] = decoded.details;
    expect(detail && BadRequest.is(detail)).toBe(true);
    expect(detail?.value).toStrictEqual({
      field_violations: [{ field: 'email', description: 'not an address', reason: '' }],
    });
  });

  it('write details that an independent protobufjs decoder reads as Any', () => {
    const root = independentGoogleRoot();
    const wire = encodeStatusDetails(9, 'precondition', [PreconditionFailure.create({ violations: [{ type: 'TOS', subject: 'u', description: 'd' }] })]);
    const status = root.lookupType('google.rpc.Status').decode(wire) as unknown as {
      code: number;
      message: string;
      details: { type_url: string; value: Uint8Array }[];
    };
    expect(status.code).toBe(9);
    expect(status.message).toBe('precondition');
    expect(status.details[0]?.type_url).toBe('type.googleapis.com/google.rpc.PreconditionFailure');
    const value = status.details[0]?.value ?? new Uint8Array();
    expect(root.lookupType('google.rpc.PreconditionFailure').decode(value).toJSON()).toEqual({
      violations: [{ type: 'TOS', subject: 'u', description: 'd' }],
    });
  });

  it('keep a detail of an unknown type as a raw detail, and write it back unchanged', () => {
    const typeUrl = 'type.googleapis.com/acme.v1.Mystery';
    const any = bytes([0x0a, typeUrl.length], typeUrl, [0x12, 4, 0x08, 0x96, 0x01, 0x10]);
    const wire = bytes([0x08, 5, 0x12, 1], 'x', [0x1a, any.length], any);
    // The last byte of the payload is a dangling tag: the bytes are kept, never parsed.
    const decoded = decodeStatusDetails(wire);
    const [detail] = decoded.details;
    expect(detail).toStrictEqual({ type: 'acme.v1.Mystery', value: new Uint8Array([0x08, 0x96, 0x01, 0x10]), raw: true });
    expect(detail && isRawDetail(detail)).toBe(true);
    expect(encodeStatusDetails(decoded.code, decoded.message, decoded.details)).toEqual(wire);
  });

  it('name an unknown type by what follows the last slash of its URL', () => {
    const root = independentGoogleRoot();
    const Status = root.lookupType('google.rpc.Status');
    const wire = Status.encode(Status.fromObject({ code: 2, details: [{ type_url: 'example.com/types/acme.v1.Thing', value: [1, 2] }] })).finish();
    expect(decodeStatusDetails(wire).details[0]?.type).toBe('acme.v1.Thing');
  });

  it('keep a registered detail whose bytes do not decode as a raw detail', () => {
    const typeUrl = 'type.googleapis.com/google.rpc.ErrorInfo';
    const any = bytes([0x0a, typeUrl.length], typeUrl, [0x12, 2, 0x0a, 0x05]);
    const wire = bytes([0x08, 2, 0x1a, any.length], any);
    expect(decodeStatusDetails(wire).details).toStrictEqual([{ type: 'google.rpc.ErrorInfo', value: new Uint8Array([0x0a, 0x05]), raw: true }]);
  });

  it('refuse a detail whose type is not registered, naming it and the registered ones', () => {
    expectProtoError(
      () => encodeStatusDetails(2, 'x', [{ type: 'acme.v1.Unregistered', value: {} }]),
      /'acme\.v1\.Unregistered' is not registered.*google\.rpc\.BadRequest/,
    );
  });

  it('refuse bytes that are not a google.rpc.Status', () => {
    expectProtoError(() => decodeStatusDetails(new Uint8Array([0xff, 0xff])), /not a google\.rpc\.Status/);
    expectProtoError(() => decodeStatusDetails(new Uint8Array([0x12, 0x05, 0x61])), /not a google\.rpc\.Status/);
  });
});

describe('a detail type of your own', () => {
  const root = protobuf.parse(ORDER_PROTO, { keepCase: true }).root;
  const OrderProblem: DetailType<OrderProblem> = detailType<OrderProblem>('shop.v1.OrderProblem', root);

  it('encodes and decodes with the proto field names and defaults', () => {
    const value: OrderProblem = { order_id: 'o-1', amount_cents: '1250', kind: 'OUT_OF_STOCK' };
    expect(OrderProblem.decode(OrderProblem.encode(value))).toStrictEqual({
      order_id: 'o-1',
      amount_cents: 1250,
      notes: [],
      kind: 'OUT_OF_STOCK',
    });
  });

  it('crosses a status once registered', () => {
    const detail = OrderProblem.create({ order_id: 'o-2', notes: ['late'] });
    expectProtoError(() => encodeStatusDetails(9, 'x', [detail]), /'shop\.v1\.OrderProblem' is not registered/);

    registerDetailType(OrderProblem);
    const decoded = decodeStatusDetails(encodeStatusDetails(9, 'x', [detail]));
    expect(decoded.details).toStrictEqual([
      { type: 'shop.v1.OrderProblem', value: { order_id: 'o-2', amount_cents: 0, notes: ['late'], kind: 'KIND_UNSPECIFIED' } },
    ]);
  });

  it('accepts a type name with a leading dot', () => {
    expect(detailType('.shop.v1.OrderProblem', root).typeName).toBe('shop.v1.OrderProblem');
  });

  it('must name a message in the root', () => {
    expectProtoError(() => detailType('shop.v1.Missing', root), /'shop\.v1\.Missing' is not in the given protobuf root/);
  });
});
