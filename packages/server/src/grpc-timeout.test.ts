import type { IncomingHttpHeaders } from 'node:http2';
import { checkGrpcTimeout } from './grpc-timeout';

const bounded = (timeout: string): string | string[] | undefined => {
  const headers: IncomingHttpHeaders = { 'grpc-timeout': timeout };
  checkGrpcTimeout(headers);
  return headers['grpc-timeout'];
};

describe('checkGrpcTimeout', () => {
  it.each(['1n', '999u', '100m', '20S', '2147483S', '35791M', '596H'])('leaves %s, which a timer holds, as it is', (t) => {
    expect(bounded(t)).toBe(t);
  });

  it.each(['2147484S', '30000000S', '720H', '99999999H', '99999999S', '50000M'])('reads %s, beyond what a timer holds, as the longest one it holds', (t) => {
    expect(bounded(t)).toBe('2147483S');
  });

  it.each(['', '1x', '123456789S', '-1S', '1.5S', '5 S', ' 5S'])('makes a malformed %p one that grpc-js refuses', (t) => {
    expect(bounded(t)).toBe('malformed');
  });

  it('does nothing without the header', () => {
    const headers: IncomingHttpHeaders = {};
    checkGrpcTimeout(headers);
    expect(headers).toEqual({});
  });
});
