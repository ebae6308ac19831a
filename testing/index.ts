// @switchboard/test-support: the helpers the packages' and apps' own tests share.
// Private to this repository; users' tests use @switchboard/testing instead.

// Waiting and ports
export { until } from './until';
export { freePort } from './free-port';

// Child processes
export { runProcess } from './run-process';
export type { Finished, RunOptions } from './run-process';
export { runTsChild, spawnTsChild } from './ts-child';

// TLS
export { assertOpensslAvailable, makeCertificates } from './tls-certs';
export type { TestCertificates } from './tls-certs';

// Services to serve in tests
export { ECHO_PROTO, Echo, createEchoService, echoProto } from './echo/echo-service';
export type { EchoReply, EchoRequest, Observed } from './echo/echo-service';
export { Lab, createLabService } from './lab/lab-service';
export type { FlakyReply, FlakyRequest, Forward, ForwardReply, ForwardRequest, LastHop } from './lab/lab-service';

// Independent peers: python3-grpcio (peer/) and grpc-go (go-peer/)
export { PEER_PYTHON, PEER_SCRIPT, assertPeerAvailable, runPeer } from './peer/run-peer';
export type { PeerControl, PeerEvent, PeerFailure, PeerMetadata, PeerOutcome, PeerSuccess, RunPeerOptions } from './peer/run-peer';
export { PEER_SERVER_SCRIPT, startPeerServer } from './peer/serve-peer';
export type { PeerService, StartPeerServerOptions } from './peer/serve-peer';
export { launchPeerServer } from './peer/peer-process';
export type { PeerServer } from './peer/peer-process';
export { Greeter, OrderManagement } from './peer/peer-contracts';
export type { CombinedShipment__Output, Order, Order__Output } from './peer/peer-contracts';
export { assertGoPeerAvailable, runGoPeerClient, startGoPeerServer } from './go-peer/serve-go-peer';
export type { GoClientStep } from './go-peer/serve-go-peer';

// Raw HTTP/2: requests and servers that break the gRPC protocol on purpose
export { grpcFrame, rawCall, rawExchange } from './raw-http2';
export type { RawResponse } from './raw-http2';
export { headersThenReset, misbehavingServer, responseHeaders, sendStatus } from './misbehaving-server';
export type { MisbehavingServer, RawCall } from './misbehaving-server';
export { sniffMessageFlags } from './frame-sniffer';
export type { FrameSniffer } from './frame-sniffer';

// Observability
export { registerInMemoryTracing } from './in-memory-tracing';
export type { InMemoryTracing } from './in-memory-tracing';
export { startPrometheus } from './prometheus';
export type { PromSample, Prometheus } from './prometheus';
