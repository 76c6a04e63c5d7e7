import { createRequire } from 'node:module';

/** Switchyard's version (package.json), announced by workers. */
export const SWITCHYARD_VERSION: string = (() => {
  try {
    // From src/cluster (tests) and dist/cluster (built) alike, package.json is two levels up.
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();
