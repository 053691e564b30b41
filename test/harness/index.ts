// The test harness in one import: private throwaway services (dockerd, registries, credential
// helper), registry fixtures and independent checks. Each module can also be imported alone.
export * from './cleanup';
export * from './credentials';
export * from './dockerd';
export * from './engine';
export * from './fixtures';
export * from './ports';
export * from './registry';
export * from './services';
export * from './tar';
export * from './tempdirs';
export { registryRequest, registryBase, isIndexMediaType, expectStatus, headerOf } from './registry-http';
export type { RegistryResponse } from './registry-http';
export { isAliveSync } from './processes';
export * from './tokenAuth';
export * from './artifacts';
export * from './appServices';
