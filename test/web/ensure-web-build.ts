/** The web build the page and e2e tests serve: `npm test` builds it first; a lone vitest run may not have. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { WEB_APP_DIR } from '../../src/server/routes/web-app.js';

export function ensureWebBuild(): void {
  // Up to date is a digest check and returns at once; otherwise a build of a few seconds.
  // vitest sets NODE_ENV=test, which would make Vite build React's development bundle and stamp it
  // as current, so a later `npm run build` would keep it.
  execFileSync(process.execPath, ['web/build.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (!existsSync(`${WEB_APP_DIR}index.html`)) throw new Error(`no web build in ${WEB_APP_DIR}`);
}
