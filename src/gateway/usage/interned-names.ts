/**
 * One shared instance of each model name for the ledger's rows. A name read out of an answer is
 * often a slice of a larger string (a regex capture of the body's first 512 bytes, an SSE event),
 * and V8 keeps that whole string alive with it: a row waiting for its batch then held ~0.4 KB of
 * answer per request into the old generation. The table is small and bounded: past its size,
 * names are stored as they come.
 */
const MAX_NAMES = 1024;

export class InternedNames {
  private readonly names = new Map<string, string>();

  of(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.names.size >= MAX_NAMES) return name;
    // A copy that owns its characters, not a view of the string the name was cut from.
    const own = Buffer.from(name, 'utf8').toString('utf8');
    this.names.set(own, own);
    return own;
  }
}
