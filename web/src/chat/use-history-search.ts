import { useCallback, useEffect, useState } from 'react';
import type { HistoryApi, SearchResult } from '../api/history-api';

/** Typing pauses this long before a search is sent. */
export const SEARCH_DEBOUNCE_MS = 250;

export type SearchState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; results: SearchResult[]; next: string | null; loadingMore: boolean };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Results for the query as typed (debounced); an answer for an older query never shows. */
export function useHistorySearch(api: Pick<HistoryApi, 'search'>, query: string) {
  const [state, setState] = useState<{ query: string; search: SearchState }>({
    query: '',
    search: { status: 'idle' },
  });
  const trimmed = query.trim();
  useEffect(() => {
    if (trimmed === '') {
      setState({ query: '', search: { status: 'idle' } });
      return;
    }
    let live = true;
    setState({ query: trimmed, search: { status: 'loading' } });
    const timer = setTimeout(() => {
      api.search(trimmed).then(
        (page) =>
          live &&
          setState({
            query: trimmed,
            search: { status: 'ready', results: page.data, next: page.next_cursor, loadingMore: false },
          }),
        (error: unknown) =>
          live && setState({ query: trimmed, search: { status: 'error', message: messageOf(error) } }),
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // `api` is stable for the page's life; the query is what changes.
  }, [trimmed]);

  const more = useCallback(() => {
    const { search } = state;
    if (search.status !== 'ready' || !search.next || search.loadingMore) return;
    const forQuery = state.query;
    setState({ query: forQuery, search: { ...search, loadingMore: true } });
    api.search(forQuery, search.next).then(
      (page) =>
        setState((current) =>
          current.query !== forQuery || current.search.status !== 'ready'
            ? current
            : {
                query: forQuery,
                search: {
                  status: 'ready',
                  results: [...current.search.results, ...page.data],
                  next: page.next_cursor,
                  loadingMore: false,
                },
              },
        ),
      (error: unknown) =>
        setState((current) =>
          current.query !== forQuery
            ? current
            : { query: forQuery, search: { status: 'error', message: messageOf(error) } },
        ),
    );
  }, [api, state]);

  return { search: state.query === trimmed ? state.search : ({ status: 'loading' } as SearchState), more };
}
