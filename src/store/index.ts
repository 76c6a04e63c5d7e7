export { migrateStore, openStore } from './connect.js';
export type { OpenStoreOptions, StoreDatabaseConfig } from './connect.js';
export * from './types.js';
