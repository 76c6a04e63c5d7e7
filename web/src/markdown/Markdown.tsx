/**
 * Markdown for chat messages: GitHub-flavoured (tables, lists, strikethrough), code highlighted
 * as trees of elements (rehype-highlight; no HTML strings), raw HTML shown as text, and link URLs
 * filtered by react-markdown's default (javascript: and the like are dropped). Loaded lazily: it
 * is most of the chat's weight and no first paint needs it.
 */
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import { CodeBlock } from './CodeBlock';
import remarkHtmlAsText from './html-as-text';
import './markdown.css';

const components: Components = {
  pre: ({ node: _node, ...props }) => <CodeBlock {...props} />,
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
  // External images would leak the reader's address (and the CSP refuses them): show the link.
  img: ({ src, alt }) => <a href={typeof src === 'string' ? src : undefined}>{alt || String(src ?? '')}</a>,
};

export default function Markdown({ text }: { text: string }) {
  return (
    <div className="sy-markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm, remarkHtmlAsText]}
        rehypePlugins={[[rehypeHighlight, { detect: false }]]}
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
