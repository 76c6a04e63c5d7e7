import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import createCache from '@emotion/cache';
import { CacheProvider } from '@emotion/react';
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider, createTheme } from '@mui/material/styles';
import { AuthProvider } from './api/auth';
import { App } from './App';
import { I18nProvider } from './i18n';

/**
 * The server puts a fresh nonce into this page for every response and allows only <style>
 * elements carrying it (docs/security.md); emotion, which MUI styles with, stamps it on its own.
 */
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce || undefined;
const cache = createCache({ key: 'sy', ...(nonce ? { nonce } : {}) });
const theme = createTheme({
  colorSchemes: { light: true, dark: true },
  typography: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans SC", sans-serif' },
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <CacheProvider value={cache}>
        <ThemeProvider theme={theme}>
          <CssBaseline />
          <I18nProvider>
            <AuthProvider>
              <App />
            </AuthProvider>
          </I18nProvider>
        </ThemeProvider>
      </CacheProvider>
    </StrictMode>,
  );
}
