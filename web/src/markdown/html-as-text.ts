/**
 * A remark plugin: raw HTML in a message (`<img onerror=…>`, `<script>`) becomes ordinary text,
 * so it is shown as typed and never parsed by the browser. react-markdown would otherwise drop it
 * silently (without rehype-raw it never renders HTML), hiding what the message really says.
 */
interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

export function convertHtmlToText(node: MdNode): void {
  if (node.type === 'html') node.type = 'text';
  for (const child of node.children ?? []) convertHtmlToText(child);
}

export default function remarkHtmlAsText() {
  return (tree: MdNode) => convertHtmlToText(tree);
}
