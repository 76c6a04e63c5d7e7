/** The client went away before its answer was complete. Recorded as status 499; never sent. */
export class ClientClosedError extends Error {
  constructor() {
    super('The client closed the connection.');
    this.name = 'ClientClosedError';
  }
}
