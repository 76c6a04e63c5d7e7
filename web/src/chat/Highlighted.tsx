import type { Snippet } from '../api/history-api';

/**
 * A search snippet with its matches in <mark> elements, built by React from text and ranges:
 * the text is never parsed as markup, so a message holding HTML shows as that HTML's text.
 */
export function Highlighted({ snippet }: { snippet: Snippet }) {
  const { text } = snippet;
  const parts: Array<{ text: string; marked: boolean }> = [];
  let at = 0;
  const ranges = [...snippet.highlights].sort((a, b) => a.start - b.start);
  for (const { start, end } of ranges) {
    // Ranges come from the server; out-of-order or out-of-bounds ones are skipped, not trusted.
    if (start < at || end <= start || end > text.length) continue;
    if (start > at) parts.push({ text: text.slice(at, start), marked: false });
    parts.push({ text: text.slice(start, end), marked: true });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), marked: false });
  return (
    <>
      {parts.map((part, i) =>
        part.marked ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
      )}
    </>
  );
}
