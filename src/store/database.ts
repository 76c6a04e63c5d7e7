import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.js';

/** What every repository is written against, so one implementation serves PGlite and node-postgres. */
export type StoreDatabase = PgDatabase<PgQueryResultHKT, typeof schema>;
