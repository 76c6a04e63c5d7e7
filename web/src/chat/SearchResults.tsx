import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import Typography from '@mui/material/Typography';
import { Empty, Failed, Loading } from '../components/StateViews';
import { useI18n } from '../i18n';
import { Highlighted } from './Highlighted';
import type { SearchState } from './use-history-search';

export interface SearchResultsProps {
  query: string;
  search: SearchState;
  onOpen(conversationId: string, messageId: string): void;
  onMore(): void;
}

/** Matches with their conversation, date and a highlighted snippet; a click opens the message. */
export function SearchResults({ query, search, onOpen, onMore }: SearchResultsProps) {
  const { t, language } = useI18n();
  if (search.status === 'idle') return null;
  if (search.status === 'loading') return <Loading />;
  if (search.status === 'error') return <Failed message={search.message} />;
  if (search.results.length === 0) return <Empty text={t('history.noResults', { query: query.trim() })} />;
  const date = (iso: string) => new Date(iso).toLocaleDateString(language, { dateStyle: 'medium' });
  return (
    <>
      <List dense aria-label={t('history.results')} data-testid="search-results">
        {search.results.map((r) => (
          <ListItemButton
            key={r.messageId}
            data-testid="search-result"
            onClick={() => onOpen(r.conversationId, r.messageId)}
            sx={{ display: 'block', '& mark': { bgcolor: 'warning.light', color: 'inherit', px: 0.25 } }}
          >
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'baseline' }}>
              <Typography variant="body2" noWrap sx={{ flex: 1, fontWeight: 500 }}>
                {r.conversationTitle ?? t('chat.untitled')}
              </Typography>
              <Typography variant="caption" color="text.secondary" sx={{ flexShrink: 0 }}>
                {date(r.createdAt)}
              </Typography>
            </Box>
            <Typography variant="caption" color="text.secondary" component="div" data-testid="search-snippet">
              {r.role === 'user' ? t('chat.you') : t('chat.assistant')}: <Highlighted snippet={r.snippet} />
            </Typography>
          </ListItemButton>
        ))}
      </List>
      {search.next && (
        <Box sx={{ px: 1.5, pb: 1 }}>
          <Button size="small" fullWidth onClick={onMore} disabled={search.loadingMore}>
            {t('history.more')}
          </Button>
        </Box>
      )}
    </>
  );
}
