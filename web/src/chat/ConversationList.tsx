import { useState } from 'react';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import List from '@mui/material/List';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import type { Conversation } from '../api/chat-api';
import type { ExportFormat } from '../api/history-api';
import type { Resource } from '../api/use-resource';
import { DeleteIcon, DownloadIcon, EditIcon, PinIcon } from '../components/icons';
import { Empty, Failed, Loading } from '../components/StateViews';
import { useI18n } from '../i18n';

export interface ConversationListProps {
  conversations: Resource<Conversation[]>;
  selectedId: string | undefined;
  onSelect(id: string): void;
  onRename(id: string, title: string): void;
  onPin(id: string, pinned: boolean): void;
  onDelete(id: string): void;
  onRetry(): void;
  /** Downloads the conversation (docs/chat-history.md); without it, no export button. */
  onExport?: (id: string, format: ExportFormat) => void;
}

export function ConversationList(props: ConversationListProps) {
  const { t } = useI18n();
  const [renaming, setRenaming] = useState<Conversation | undefined>();
  const [title, setTitle] = useState('');
  const [deleting, setDeleting] = useState<Conversation | undefined>();
  const [exporting, setExporting] = useState<{ id: string; anchor: HTMLElement } | undefined>();
  const { conversations } = props;
  if (conversations.status === 'loading') return <Loading />;
  if (conversations.status === 'error')
    return <Failed message={conversations.message} onRetry={props.onRetry} />;
  if (conversations.data.length === 0) return <Empty text={t('chat.noConversations')} />;
  const titleOf = (c: Conversation) => c.title ?? t('chat.untitled');
  return (
    <>
      <List dense aria-label={t('chat.conversations')}>
        {conversations.data.map((c) => (
          <ListItemButton
            key={c.id}
            selected={c.id === props.selectedId}
            onClick={() => props.onSelect(c.id)}
            data-testid="conversation-item"
            sx={{
              pr: 0.5,
              '& .sy-actions': { opacity: c.id === props.selectedId ? 1 : 0 },
              '&:hover .sy-actions': { opacity: 1 },
            }}
          >
            {c.pinned && (
              <PinIcon fontSize="small" color="action" sx={{ mr: 1 }} titleAccess={t('chat.pin')} />
            )}
            <ListItemText primary={titleOf(c)} slotProps={{ primary: { noWrap: true } }} />
            <span className="sy-actions" onClick={(event) => event.stopPropagation()}>
              <Tooltip title={c.pinned ? t('chat.unpin') : t('chat.pin')}>
                <IconButton
                  size="small"
                  aria-label={c.pinned ? t('chat.unpin') : t('chat.pin')}
                  onClick={() => props.onPin(c.id, !c.pinned)}
                >
                  <PinIcon fontSize="inherit" />
                </IconButton>
              </Tooltip>
              <Tooltip title={t('chat.rename')}>
                <IconButton
                  size="small"
                  aria-label={t('chat.rename')}
                  onClick={() => {
                    setTitle(titleOf(c));
                    setRenaming(c);
                  }}
                >
                  <EditIcon fontSize="inherit" />
                </IconButton>
              </Tooltip>
              {props.onExport && (
                <Tooltip title={t('history.export')}>
                  <IconButton
                    size="small"
                    aria-label={t('history.export')}
                    onClick={(event) => setExporting({ id: c.id, anchor: event.currentTarget })}
                  >
                    <DownloadIcon fontSize="inherit" />
                  </IconButton>
                </Tooltip>
              )}
              <Tooltip title={t('chat.delete')}>
                <IconButton size="small" aria-label={t('chat.delete')} onClick={() => setDeleting(c)}>
                  <DeleteIcon fontSize="inherit" />
                </IconButton>
              </Tooltip>
            </span>
          </ListItemButton>
        ))}
      </List>
      <Menu
        anchorEl={exporting?.anchor}
        open={exporting !== undefined}
        onClose={() => setExporting(undefined)}
      >
        {(['json', 'markdown'] as const).map((format) => (
          <MenuItem
            key={format}
            data-testid={`export-${format}`}
            onClick={() => {
              if (exporting) props.onExport?.(exporting.id, format);
              setExporting(undefined);
            }}
          >
            {format === 'json' ? t('history.exportJson') : t('history.exportMarkdown')}
          </MenuItem>
        ))}
      </Menu>
      <Dialog open={renaming !== undefined} onClose={() => setRenaming(undefined)}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (renaming && title.trim()) props.onRename(renaming.id, title.trim());
            setRenaming(undefined);
          }}
        >
          <DialogTitle>{t('chat.rename')}</DialogTitle>
          <DialogContent>
            <TextField
              autoFocus
              fullWidth
              margin="dense"
              label={t('chat.title')}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              slotProps={{ htmlInput: { maxLength: 200 } }}
            />
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setRenaming(undefined)}>{t('chat.cancel')}</Button>
            <Button type="submit" variant="contained">
              {t('chat.save')}
            </Button>
          </DialogActions>
        </form>
      </Dialog>
      <Dialog open={deleting !== undefined} onClose={() => setDeleting(undefined)}>
        <DialogContent>
          {deleting ? t('chat.deleteConfirm', { title: titleOf(deleting) }) : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDeleting(undefined)}>{t('chat.cancel')}</Button>
          <Button
            color="error"
            variant="contained"
            onClick={() => {
              if (deleting) props.onDelete(deleting.id);
              setDeleting(undefined);
            }}
          >
            {t('chat.delete')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
