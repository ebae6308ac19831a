import { Code } from './rpc-error';
import { grpcCodeLabel, grpcTypeLabel } from './metrics-registry';

describe('the labels of go-grpc-prometheus', () => {
  it("name every status code as grpc-go's codes.Code.String() does, and an unknown one Code(n)", () => {
    expect(Object.values(Code).flatMap((code) => (typeof code === 'number' ? [grpcCodeLabel(code)] : []))).toEqual([
      'OK',
      'Canceled',
      'Unknown',
      'InvalidArgument',
      'DeadlineExceeded',
      'NotFound',
      'AlreadyExists',
      'PermissionDenied',
      'ResourceExhausted',
      'FailedPrecondition',
      'Aborted',
      'OutOfRange',
      'Unimplemented',
      'Internal',
      'Unavailable',
      'DataLoss',
      'Unauthenticated',
    ]);
    expect(grpcCodeLabel(99 as Code)).toBe('Code(99)');
  });

  it('call a bidi method bidi_stream and the other kinds by their own names', () => {
    expect(['unary', 'server_stream', 'client_stream', 'bidi'].map((kind) => grpcTypeLabel(kind as 'unary'))).toEqual([
      'unary',
      'server_stream',
      'client_stream',
      'bidi_stream',
    ]);
  });
});
