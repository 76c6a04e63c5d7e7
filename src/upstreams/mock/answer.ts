/**
 * What the mock says: a list of pieces (one per text delta and per output token) whose
 * concatenation is the answer text, cut by `max_tokens` and `stop_sequences` as the API does.
 */
export const VOCABULARY: readonly string[] =
  'Hello from the Switchyard mock upstream: these words are simulated, not written by a model, so streaming, usage accounting and failover can be tested without spending tokens.'.split(
    ' ',
  );

const FIRST_PIECES = VOCABULARY;
const NEXT_PIECES = VOCABULARY.map((word) => ` ${word}`);

/** Every piece the default answer can contain (each word, alone and after a space). */
export const DEFAULT_PIECES: readonly string[] = [...new Set([...FIRST_PIECES, ...NEXT_PIECES])];

/** `words` words cycling through the vocabulary: "Hello", " from", " the", ... */
export function defaultPieces(words: number): string[] {
  const pieces = new Array<string>(words);
  for (let i = 0; i < words; i++) {
    pieces[i] = (i === 0 ? FIRST_PIECES : NEXT_PIECES)[i % VOCABULARY.length] as string;
  }
  return pieces;
}

/** The text split into words, each carrying the whitespace before it. */
export function echoPieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence';

export interface Answer {
  pieces: string[];
  text: string;
  stopReason: StopReason;
  stopSequence: string | null;
}

export function planAnswer(all: string[], maxTokens: number, stopSequences?: readonly string[]): Answer {
  const truncated = all.length > maxTokens;
  const pieces = truncated ? all.slice(0, maxTokens) : all;
  const text = pieces.join('');
  const stop = stopSequences && stopSequences.length > 0 ? firstStop(text, stopSequences) : undefined;
  if (stop) {
    return {
      pieces: cutPieces(pieces, stop.index),
      text: text.slice(0, stop.index),
      stopReason: 'stop_sequence',
      stopSequence: stop.sequence,
    };
  }
  return { pieces, text, stopReason: truncated ? 'max_tokens' : 'end_turn', stopSequence: null };
}

/** The sequence a model generating left to right would complete first (earliest end). */
function firstStop(
  text: string,
  sequences: readonly string[],
): { index: number; sequence: string } | undefined {
  let best: { index: number; end: number; sequence: string } | undefined;
  for (const sequence of sequences) {
    if (sequence === '') continue;
    const index = text.indexOf(sequence);
    if (index === -1) continue;
    const end = index + sequence.length;
    if (!best || end < best.end || (end === best.end && index < best.index)) best = { index, end, sequence };
  }
  return best;
}

/** The pieces covering the first `length` characters, the last one cut mid-word if need be. */
function cutPieces(pieces: readonly string[], length: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const piece of pieces) {
    if (used >= length) break;
    if (used + piece.length <= length) out.push(piece);
    else out.push(piece.slice(0, length - used));
    used += piece.length;
  }
  return out;
}
