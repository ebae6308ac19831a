export { etcdConfigSchema, ETCD_CONFIG_DEFAULTS } from './etcd-config';
export type { EtcdConfig } from './etcd-config';
export type { EtcdTlsConfig } from './etcd-tls';
export { registerEtcdResolver } from './etcd-resolver';
export { etcdRegistration } from './etcd-registration';
export type { EtcdRegistrationOptions } from './etcd-registration';
export type { RegisteredEndpoint } from './service-watch';
