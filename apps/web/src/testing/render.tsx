import { vi } from 'vitest';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../app/App';
import { AppProvider } from '../app/provider';
import { createQueryClient } from '../lib/query-client';

/** Renders the whole app at `path` with a fresh QueryClient that never retries. */
export function renderApp(path = '/') {
  window.history.replaceState(null, '', path);
  const queryClient = createQueryClient({ retry: false });
  const user = userEvent.setup();
  const view = render(
    <AppProvider queryClient={queryClient}>
      <App />
    </AppProvider>,
  );
  return { ...view, user, queryClient };
}

/** Replaces `window.location` with a copy whose `assign` is a spy (jsdom cannot navigate); returns the spy. */
export function stubLocationAssign() {
  const assign = vi.fn();
  const { origin, href, pathname, search, hash } = window.location;
  vi.stubGlobal('location', { origin, href, pathname, search, hash, assign });
  return assign;
}
