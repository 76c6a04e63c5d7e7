import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The generated SQL lives in src/store/migrations and is not copied by tsc, so it is found from
 * the package root; that works whether this module runs from src/ (vitest, tsx) or from dist/.
 */
export function migrationsFolder(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root holding src/store/migrations');
    dir = parent;
  }
  cached = join(dir, 'src', 'store', 'migrations');
  return cached;
}
