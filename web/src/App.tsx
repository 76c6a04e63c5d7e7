import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import { lazy, Suspense } from 'react';
import { useAuth } from './api/auth';
import { Loading } from './components/StateViews';
import { LANGUAGES, useI18n, type Language } from './i18n';
import { ChatPage } from './pages/ChatPage';
import { ChangePasswordPage, LoginPage } from './pages/LoginPage';
import { navigate, usePath } from './router';

// Its own chunk (with the chart library lazy inside it): the chat's first load does not grow.
const AdminApp = lazy(() => import('./admin/AdminApp'));
/** Roles with at least one admin page; the panel itself asks the server for the exact permissions. */
const ADMIN_ROLES = new Set(['admin', 'operator', 'viewer']);

function LanguageSwitcher() {
  const { language, setLanguage, t } = useI18n();
  return (
    <Select
      size="small"
      value={language}
      onChange={(e) => setLanguage(e.target.value as Language)}
      inputProps={{ 'aria-label': t('language.label'), 'data-testid': 'language' }}
      sx={{ color: 'inherit', '.MuiOutlinedInput-notchedOutline': { borderColor: 'rgba(255,255,255,0.5)' } }}
    >
      {LANGUAGES.map((l) => (
        <MenuItem key={l.code} value={l.code}>
          {l.label}
        </MenuItem>
      ))}
    </Select>
  );
}

/** Signed out → sign-in; password change due → that; /admin/… → the admin panel; else the chat. */
export function App() {
  const { t } = useI18n();
  const auth = useAuth();
  const { state } = auth;
  const path = usePath();
  const inAdmin = path === '/admin' || path.startsWith('/admin/');
  return (
    <Box sx={{ height: '100vh', display: 'flex', flexDirection: 'column' }}>
      <AppBar position="static" elevation={0}>
        <Toolbar variant="dense" sx={{ gap: 2 }}>
          <Typography variant="h6" sx={{ flex: 1 }}>
            {t('app.name')}
          </Typography>
          <LanguageSwitcher />
          {state.status === 'signed_in' && (
            <>
              {ADMIN_ROLES.has(state.session.user.role) && (
                <Button
                  color="inherit"
                  data-testid="nav-switch"
                  onClick={() => navigate(inAdmin ? '/' : '/admin/dashboard')}
                >
                  {inAdmin ? t('nav.chat') : t('nav.admin')}
                </Button>
              )}
              <Typography variant="body2" data-testid="signed-in-user">
                {state.session.user.username}
              </Typography>
              <Button color="inherit" onClick={() => void auth.signOut()}>
                {t('auth.signOut')}
              </Button>
            </>
          )}
        </Toolbar>
      </AppBar>
      {state.status === 'loading' ? (
        <Loading />
      ) : state.status === 'signed_out' ? (
        <LoginPage />
      ) : state.session.user.mustChangePassword ? (
        <ChangePasswordPage />
      ) : inAdmin ? (
        <Suspense fallback={<Loading />}>
          <AdminApp />
        </Suspense>
      ) : (
        <ChatPage />
      )}
    </Box>
  );
}
