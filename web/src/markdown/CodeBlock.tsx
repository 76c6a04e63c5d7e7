import { useRef, useState, type ComponentProps } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { useI18n } from '../i18n';

/** A fenced code block with a copy button; copies the text, never the highlighting markup. */
export function CodeBlock(props: ComponentProps<'pre'>) {
  const { t } = useI18n();
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = () => {
    const text = pre.current?.textContent ?? '';
    void navigator.clipboard?.writeText(text).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };
  return (
    <Box sx={{ position: 'relative', my: 1 }}>
      <Button
        size="small"
        variant="outlined"
        onClick={copy}
        sx={{
          position: 'absolute',
          top: 4,
          right: 4,
          minWidth: 0,
          py: 0,
          fontSize: 12,
          bgcolor: 'background.paper',
        }}
      >
        {copied ? t('code.copied') : t('code.copy')}
      </Button>
      <pre ref={pre} className="sy-code">
        {props.children}
      </pre>
    </Box>
  );
}
