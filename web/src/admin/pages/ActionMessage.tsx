/** How an admin action ended, shown above the page's content until dismissed. */
import Alert from '@mui/material/Alert';

export interface ActionOutcome {
  ok: boolean;
  text: string;
}

export function ActionMessage({
  message,
  onClose,
  testId,
}: {
  message: ActionOutcome | undefined;
  onClose: () => void;
  testId: string;
}) {
  if (!message) return null;
  return (
    <Alert severity={message.ok ? 'success' : 'error'} sx={{ mb: 2 }} onClose={onClose} data-testid={testId}>
      {message.text}
    </Alert>
  );
}
