import { allowTargetScheme, isHost, targetProblem } from './address';

describe('targetProblem', () => {
  it('accepts the forms clients use', () => {
    const good = [
      '',
      'localhost:50051',
      '127.0.0.1:1',
      '[::1]:50051',
      'dns:///localhost:50051',
      'dns:///api.example.com',
      'dns://8.8.8.8/api.example.com:443',
      'dns:localhost:50051',
      'static:///127.0.0.1:1,127.0.0.1:2',
      'static:///[::1]:5,localhost:6',
      'file:///etc/endpoints.json',
      'etcd:///ecommerce.OrderManagement',
      'lookaside://127.0.0.1:9000/ecommerce.OrderManagement',
      'ipv4:127.0.0.1:50051',
      'unix:///tmp/grpc.sock',
    ];
    expect(good.filter((t) => targetProblem(t) !== undefined)).toEqual([]);
  });

  it('says what is wrong with a target that would fail only at the first call', () => {
    expect(targetProblem('localhost:99999')).toBe("'localhost:99999' has a port outside 1-65535");
    expect(targetProblem('localhost:0')).toBe("'localhost:0' has a port outside 1-65535");
    expect(targetProblem('dns:///')).toBe('names no host: dns:///host:port');
    expect(targetProblem('dns:///256.1.1.1:80')).toBe("'256.1.1.1:80' has no valid host");
    expect(targetProblem('static:///127.0.0.1')).toBe("'127.0.0.1' has no port: static:/// takes host:port,host:port");
    expect(targetProblem('static:///127.0.0.1:1,')).toBe("'' has no valid host: static:/// takes host:port,host:port");
    expect(targetProblem('etcd:///')).toBe('names no service: etcd:///<service full name>');
    expect(targetProblem('lookaside://127.0.0.1:9000/')).toBe('names no service: lookaside:///<service full name>');
    expect(targetProblem('file://')).toBe('names no address: file:…');
    expect(targetProblem(' dns:///localhost:1')).toBe('must not contain white space');
    expect(targetProblem('localhost')).toMatch(/^must be a target: host:port, dns:\/\/\/host:port/);
    expect(targetProblem(50051)).toMatch(/^must be a target/);
    expect(targetProblem('etcdd:///orders')).toMatch(/^unknown scheme 'etcdd'; known: dns, /);
  });

  it('accepts a scheme once a resolver for it is allowed', () => {
    expect(targetProblem('example:///lb.example.grpc.io')).toMatch(/^unknown scheme 'example'/);
    allowTargetScheme('Example');
    expect(targetProblem('example:///lb.example.grpc.io')).toBeUndefined();
  });
});

describe('isHost', () => {
  it('takes IP addresses and host names, not ports, numbers or dotted numbers that are not addresses', () => {
    expect(['0.0.0.0', '::', 'fe80::1', 'localhost', 'a.b-c.example'].every(isHost)).toBe(true);
    expect(['', 'localhost:80', '256.1.1.1', '1.2.3', '10', 'a..b', '-a', 'a b', '[::1]'].some(isHost)).toBe(false);
    expect(isHost(127001)).toBe(false);
  });
});
