import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useAuth } from '../api/auth';
import { useI18n } from '../i18n';

function Form({
  title,
  hint,
  children,
  error,
  busy,
  submit,
  onSubmit,
}: {
  title: string;
  hint?: string;
  children: React.ReactNode;
  error: string | undefined;
  busy: boolean;
  submit: string;
  onSubmit(): Promise<void>;
}) {
  const handle = (event: FormEvent) => {
    event.preventDefault();
    void onSubmit();
  };
  return (
    <Box sx={{ flex: 1, display: 'flex', alignItems: 'center', justifyContent: 'center', p: 2 }}>
      <Paper
        component="form"
        onSubmit={handle}
        sx={{ p: 3, width: 360, display: 'flex', flexDirection: 'column', gap: 2 }}
      >
        <Typography variant="h6">{title}</Typography>
        {hint && <Typography variant="body2">{hint}</Typography>}
        {children}
        {error && <Alert severity="error">{error}</Alert>}
        <Button type="submit" variant="contained" disabled={busy} data-testid="submit">
          {submit}
        </Button>
      </Paper>
    </Box>
  );
}

export function LoginPage() {
  const { t } = useI18n();
  const auth = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <Form
      title={t('auth.signIn')}
      submit={t('auth.signIn')}
      error={error}
      busy={busy}
      onSubmit={async () => {
        setBusy(true);
        setError(undefined);
        try {
          await auth.signIn(username, password);
        } catch (e) {
          setError(t('auth.failed', { message: e instanceof Error ? e.message : String(e) }));
        } finally {
          setBusy(false);
        }
      }}
    >
      <TextField
        label={t('auth.username')}
        autoComplete="username"
        autoFocus
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'username' } }}
      />
      <TextField
        label={t('auth.password')}
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'password' } }}
      />
    </Form>
  );
}

/** Users created by an admin (and the first admin) must choose their own password first. */
export function ChangePasswordPage() {
  const { t } = useI18n();
  const auth = useAuth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <Form
      title={t('auth.changePassword')}
      hint={t('auth.changePasswordHint')}
      submit={t('auth.save')}
      error={error}
      busy={busy}
      onSubmit={async () => {
        setBusy(true);
        setError(undefined);
        try {
          await auth.changePassword(current, next);
        } catch (e) {
          setError(e instanceof Error ? e.message : String(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      <TextField
        label={t('auth.currentPassword')}
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <TextField
        label={t('auth.newPassword')}
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
      />
    </Form>
  );
}
