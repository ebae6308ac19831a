import 'reflect-metadata';

export { Service, UseInterceptors } from './service';
export { Authorize } from './authorize';
export type { AuthorizeRule } from './authorize';
export type { CallerIdentity, CertificateIdentity, TokenIdentity } from './caller-identity';
export { createToken, inject, bindValue, bindClass, resolve } from './token';
export type { Token } from './token';
export { loadProto, PROTO_LOADER_OPTIONS } from './proto';
export type { ProtoPackage } from './proto';
export { serviceDescriptor, methodKind } from './definition';
export type { MethodKind, MethodDescriptor } from './method-descriptor';
export type { ServiceDescriptor, ServiceImplementation, HandlerFor, KnownKeys, KindOf } from './definition';
export type { CallContext, GrpcServerCall } from './call-context';
export { metadataFrom } from './call-context';
export { observe } from './interceptor';
export type { ObserveHooks } from './observed';
export { observeClient } from './client-interceptor';
export type { ClientInterceptor, ClientNext, OutgoingCall } from './client-interceptor';
export { currentCallContext, runDetached, enableCallScope } from './call-scope';
export type { ServerInterceptor, ServerNext, InterceptedCall } from './interceptor';
export { RpcError, Code, codeName, parseCode } from './rpc-error';
export {
  BadRequest,
  DebugInfo,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
  detailType,
  registerDetailType,
} from './error-details';
export type { Detail, DetailType, RawDetail } from './error-details';
export { loadConfig, explicitKeys, schemaDefaults } from './config/load-config';
export type { ConfigSources, ConfigSchema } from './config/load-config';
export { serverConfigSchema } from './config/server-schema';
export type { ServerConfig } from './config/server-schema';
export { defineModule } from './app-module';
export type { AppModule, AnyAppModule } from './app-module';
export type { ModuleClient, OpenModuleClients, ModuleClientContext, OpenedClients } from './module-client';
export { ServerConfigToken, LoggerToken } from './core-tokens';
export { MetricsRegistryToken } from './metrics-registry';
export type { MetricsRegistry } from './metrics-registry';
export { createLogger } from './logger';
export type { Logger } from './logger';
export { SwitchboardError } from './switchboard-error';
export type { SwitchboardErrorCode } from './switchboard-error';

// ---- for extension authors -------------------------------------------------
export { readService, readInterceptors } from './service';
export { readAuthorization } from './authorize';
export { runInCallContext } from './call-scope';
export { readMessages } from './read-messages';
export { composeInterceptors } from './compose-interceptors';
export { observerHooksOf } from './interceptor';
export { oneResult } from './one-result';
export { encodeStatusDetails, decodeStatusDetails } from './error-details';
export { GOOGLE_PROTOS_DIR } from './proto';
export { allowTargetScheme } from './config/formats';
export { configFlag, readJson as readConfigFile } from './config/load-config';
export { readCertificate, readCertificateBundle, readKeyPair, channelSecurity } from './tls-files';
export type { ClientTlsFiles, ChannelSecurity } from './tls-files';
export { openModuleClients } from './module-client';
export { grpcTypeLabel, grpcCodeLabel, HANDLING_SECONDS_BUCKETS } from './metrics-registry';
