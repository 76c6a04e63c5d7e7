import { useState, type ReactNode } from 'react';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import InputAdornment from '@mui/material/InputAdornment';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { HistoryApi } from '../api/history-api';
import { CloseIcon, SearchIcon } from '../components/icons';
import { useI18n } from '../i18n';
import { ImportExport } from './ImportExport';
import { SearchResults } from './SearchResults';
import { useHistorySearch } from './use-history-search';

export interface HistoryPanelProps {
  api: HistoryApi;
  /** Opens a conversation at one of its messages (a search result was picked). */
  onOpen(conversationId: string, messageId: string): void;
  /** Conversations were imported: the list should load again. */
  onImported(): void;
  /** The conversation list, shown while nothing is searched for. */
  children: ReactNode;
}

/** The side panel's search box, export/import actions, and either the results or the list. */
export function HistoryPanel(props: HistoryPanelProps) {
  const { t } = useI18n();
  const [query, setQuery] = useState('');
  const { search, more } = useHistorySearch(props.api, query);
  const searching = query.trim() !== '';
  return (
    <>
      <Box sx={{ px: 1.5, pb: 1 }}>
        <TextField
          size="small"
          fullWidth
          value={query}
          placeholder={t('history.search')}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => event.key === 'Escape' && setQuery('')}
          slotProps={{
            htmlInput: { 'aria-label': t('history.search'), 'data-testid': 'history-search', maxLength: 200 },
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon fontSize="small" />
                </InputAdornment>
              ),
              endAdornment: searching ? (
                <InputAdornment position="end">
                  <IconButton size="small" aria-label={t('history.clear')} onClick={() => setQuery('')}>
                    <CloseIcon fontSize="inherit" />
                  </IconButton>
                </InputAdornment>
              ) : undefined,
            },
          }}
        />
      </Box>
      {searching ? (
        <SearchResults
          query={query}
          search={search}
          onMore={more}
          onOpen={(conversationId, messageId) => props.onOpen(conversationId, messageId)}
        />
      ) : (
        <>
          <Box sx={{ display: 'flex', alignItems: 'center', px: 2, pt: 0.5 }}>
            <Typography variant="overline" color="text.secondary" sx={{ flex: 1 }}>
              {t('chat.conversations')}
            </Typography>
            <ImportExport api={props.api} onImported={props.onImported} />
          </Box>
          {props.children}
        </>
      )}
    </>
  );
}
