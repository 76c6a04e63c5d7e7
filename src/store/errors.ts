/** The errors the store's repositories throw, beside the ones of the drivers beneath them. */

export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/**
 * The database refused the rows themselves (a value a column cannot hold), not the connection:
 * retrying the same rows cannot succeed, so a caller writing a batch isolates the refused ones.
 */
export class RowsRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RowsRefusedError';
  }
}

/** Another process holds the embedded database. */
export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`The embedded database in ${dir} is in use by process ${pid}.`);
    this.name = 'StoreLockedError';
  }
}
