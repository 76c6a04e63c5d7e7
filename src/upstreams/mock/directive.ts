/**
 * The per-request directive a prompt may carry: `[[mock key=value flag ...]]` anywhere in the text
 * of the last user message. Bare keys (`hang`, `echo`) mean `true`; the first directive wins.
 */
const DIRECTIVE = /\[\[mock(?:\s([^\]]*))?\]\]/;
const DIRECTIVES_WITH_SPACE = / ?\[\[mock(?:\s[^\]]*)?\]\]/g;

export interface Directive {
  /** The directive as written, for error messages. */
  source: string;
  fields: Record<string, string | true>;
  /** The text that holds it, without its directives: what `echo` answers. */
  text: string;
}

/** The first directive among the texts of a message. */
export function findDirective(texts: readonly string[]): Directive | undefined {
  for (const text of texts) {
    if (!text.includes('[[mock')) continue;
    const match = DIRECTIVE.exec(text);
    if (match) return { source: match[0], fields: fieldsOf(match[1] ?? ''), text: stripDirectives(text) };
  }
  return undefined;
}

function fieldsOf(list: string): Record<string, string | true> {
  const fields: Record<string, string | true> = {};
  for (const token of list.split(/\s+/)) {
    if (token === '') continue;
    const equals = token.indexOf('=');
    if (equals === -1) fields[token] = true;
    else fields[token.slice(0, equals)] = token.slice(equals + 1);
  }
  return fields;
}

/** The text without its directives (and the space before each), trimmed. */
export function stripDirectives(text: string): string {
  return text.replace(DIRECTIVES_WITH_SPACE, '').trim();
}
