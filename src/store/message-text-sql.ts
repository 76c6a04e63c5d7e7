/**
 * The searchable text of a conversation message, as SQL over its `content` JSON document: the
 * `text` field plus the `text` of every text block (in an array directly under the document, or
 * a document that is itself an array of blocks). Tool input JSON, images and documents (base64)
 * are not text blocks, so they never reach the index.
 *
 * The schema's GIN index and the search queries build the vector from this one function, so the
 * planner sees the same expression in both and uses the index. Every part is a literal (no bound
 * parameters) and immutable, as an index expression must be.
 */
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/**
 * 'simple' lowercases and splits on the default parser's word boundaries, without stemming or
 * stop words: messages come in every language, and English stemming would mangle the rest. See
 * docs/chat-history.md for the trade-off and why Chinese is matched by substring instead.
 */
export const SEARCH_CONFIG = sql.raw(`'simple'::regconfig`);

// strict + silent: a path that does not fit the document (an object where an array is expected)
// yields nothing instead of raising, and lax mode's automatic unwrapping cannot reach nested blocks.
const TEXT_OF_TEXT_BLOCKS = `[*] ? (@.type == "text" && @.text.type() == "string").text`;
const BLOCKS_AT_TOP = sql.raw(`'strict $${TEXT_OF_TEXT_BLOCKS}'::jsonpath, '{}'::jsonb, true`);
const BLOCKS_UNDER_A_KEY = sql.raw(
  `'strict $.* ? (@.type() == "array")${TEXT_OF_TEXT_BLOCKS}'::jsonpath, '{}'::jsonb, true`,
);

/** A JSON array of the text blocks' strings. */
export function textBlocksOf(content: AnyColumn | SQL): SQL {
  return sql`(jsonb_path_query_array(${content}, ${BLOCKS_AT_TOP}) || jsonb_path_query_array(${content}, ${BLOCKS_UNDER_A_KEY}))`;
}

/** The tsvector the GIN index holds and queries match against. */
export function messageSearchVector(content: AnyColumn | SQL): SQL {
  return sql`(to_tsvector(${SEARCH_CONFIG}, coalesce(${content} ->> 'text', '')) || jsonb_to_tsvector(${SEARCH_CONFIG}, ${textBlocksOf(content)}, '["string"]'::jsonb))`;
}

/** The same text as one string (lines joined), for snippets and substring matching. */
export function messageSearchText(content: AnyColumn | SQL): SQL<string> {
  return sql<string>`concat_ws(E'\\n', ${content} ->> 'text', (select string_agg(t.value #>> '{}', E'\\n') from jsonb_array_elements(${textBlocksOf(content)}) as t))`;
}
