import type { Attributes } from '@opentelemetry/api';
import { addAddress } from './tracing-interceptor';

describe('addAddress reads the address and port of a grpc-js peer or an :authority', () => {
  const read = (text: string | undefined): Attributes => {
    const attributes: Attributes = {};
    addAddress(attributes, 'network.peer', text);
    return attributes;
  };

  it.each([
    ['127.0.0.1:53412', { 'network.peer.address': '127.0.0.1', 'network.peer.port': 53412 }],
    ['ipv4:10.0.0.7:50051', { 'network.peer.address': '10.0.0.7', 'network.peer.port': 50051 }],
    ['[::1]:50051', { 'network.peer.address': '::1', 'network.peer.port': 50051 }],
    ['ipv6:[2001:db8::1]:443', { 'network.peer.address': '2001:db8::1', 'network.peer.port': 443 }],
    ['orders.internal', { 'network.peer.address': 'orders.internal' }],
    ['unix:/run/orders.sock', { 'network.peer.address': 'unix:/run/orders.sock' }],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('adds nothing for an empty or missing value', () => {
    expect(read('')).toEqual({});
    expect(read(undefined)).toEqual({});
  });
});
