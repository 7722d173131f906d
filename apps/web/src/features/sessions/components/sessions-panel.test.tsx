import type { SessionInfo } from '@app/shared-types';
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../../../lib/query-client';
import { problem } from '../../../testing/fixtures';
import { sentRequests, server } from '../../../testing/server';
import { stubLocationAssign } from '../../../testing/render';
import { SessionsPanel } from './sessions-panel';

const now = Math.floor(Date.now() / 1000);
const laptop: SessionInfo = {
  id: 'handle-laptop-000000000',
  createdAt: now - 3600,
  lastSeenAt: now - 30,
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Gecko/20100101 Firefox/128.0',
  current: true,
};
const phone: SessionInfo = {
  id: 'handle-phone-0000000000',
  createdAt: now - 86_400,
  lastSeenAt: now - 7200,
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Mobile/15E148 Safari/604.1',
  current: false,
};
const tablet: SessionInfo = {
  id: 'handle-tablet-000000000',
  createdAt: now - 600,
  lastSeenAt: now - 60,
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel Tablet) Chrome/126.0 Safari/537.36',
  current: false,
};

/** Serves /sessions from a list that DELETE /sessions/:id shrinks, counting list calls. */
function sessionsEndpoint(initial: SessionInfo[]) {
  const state = { sessions: [...initial], listCalls: 0 };
  server.use(
    http.get('/sessions', () => {
      state.listCalls += 1;
      return HttpResponse.json({ sessions: state.sessions });
    }),
    http.delete('/sessions/:id', ({ params }) => {
      const before = state.sessions.length;
      state.sessions = state.sessions.filter((s) => s.id !== params.id);
      if (state.sessions.length === before) return problem(404, 'not_found', 'Not found', 'You have no session with this id.');
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return state;
}

function renderPanel() {
  const client = createQueryClient({ retry: false });
  const user = userEvent.setup();
  render(
    <QueryClientProvider client={client}>
      <SessionsPanel />
    </QueryClientProvider>,
  );
  return { user, client };
}

const panel = () => screen.getByRole('region', { name: 'Your sessions' });
const rows = async () => within(await screen.findByRole('list', { name: 'Signed-in sessions' })).getAllByRole('listitem');

describe('SessionsPanel', () => {
  it('lists every session with its device, sign-in and last activity, and marks this device', async () => {
    sessionsEndpoint([laptop, phone]);
    renderPanel();

    const [first, second] = await rows();
    expect(first).toHaveTextContent('Firefox on macOS');
    expect(within(first!).getByText('This device')).toBeInTheDocument();
    expect(first).toHaveAttribute('aria-current', 'true');
    expect(within(first!).queryByRole('button', { name: /end/i })).not.toBeInTheDocument();
    expect(within(first!).getByText('Firefox on macOS')).toHaveAttribute('title', laptop.userAgent);
    const times = [...first!.querySelectorAll('time')].map((t) => t.getAttribute('dateTime'));
    expect(times).toEqual([new Date(laptop.createdAt * 1000).toISOString(), new Date(laptop.lastSeenAt * 1000).toISOString()]);

    expect(second).toHaveTextContent('Safari on iOS');
    expect(within(second!).queryByText('This device')).not.toBeInTheDocument();
    expect(within(second!).getByRole('button', { name: 'End session on Safari on iOS' })).toBeEnabled();
  });

  it('ends another session with DELETE /sessions/:id and refetches the list', async () => {
    const endpoint = sessionsEndpoint([laptop, phone, tablet]);
    const { user } = renderPanel();
    expect(await rows()).toHaveLength(3);

    await user.click(screen.getByRole('button', { name: 'End session on Safari on iOS' }));

    await waitFor(async () => expect(await rows()).toHaveLength(2));
    expect(screen.queryByText('Safari on iOS')).not.toBeInTheDocument();
    expect(endpoint.listCalls).toBe(2);
    const deletes = sentRequests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => new URL(r.url).pathname)).toEqual([`/sessions/${phone.id}`]);
    expect(deletes[0]?.headers.get('x-csrf')).toBe('1');
  });

  it('ends all other sessions at once, keeping this one', async () => {
    sessionsEndpoint([laptop, phone, tablet]);
    const { user } = renderPanel();
    await rows();

    await user.click(screen.getByRole('button', { name: 'End all other sessions' }));

    await waitFor(async () => expect(await rows()).toHaveLength(1));
    expect(within(panel()).getByText('This device')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'End all other sessions' })).not.toBeInTheDocument();
    const deleted = sentRequests.filter((r) => r.method === 'DELETE').map((r) => new URL(r.url).pathname);
    expect(deleted.sort()).toEqual([`/sessions/${phone.id}`, `/sessions/${tablet.id}`]);
  });

  it('says so when ending a session fails, and shows the list as the server has it', async () => {
    const endpoint = sessionsEndpoint([laptop, phone]);
    server.use(http.delete('/sessions/:id', () => problem(503, 'session_store_unavailable', 'Session store unavailable')));
    const { user } = renderPanel();
    await rows();

    await user.click(screen.getByRole('button', { name: 'End session on Safari on iOS' }));

    expect(await within(panel()).findByText(/that did not work: session store unavailable/i)).toBeInTheDocument();
    await waitFor(() => expect(endpoint.listCalls).toBe(2));
    expect(await rows()).toHaveLength(2);
  });

  it('signs out everywhere with {"everywhere": true}, then goes to the logoutUrl', async () => {
    sessionsEndpoint([laptop, phone]);
    const logoutUrl = 'https://idp.example.com/logout?client_id=abc';
    let body: unknown;
    server.use(
      http.post('/auth/logout', async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({ logoutUrl });
      }),
    );
    const assign = stubLocationAssign();
    const { user } = renderPanel();
    await rows();

    await user.click(screen.getByRole('button', { name: 'Sign out everywhere' }));

    await waitFor(() => expect(assign).toHaveBeenCalledWith(logoutUrl));
    expect(body).toEqual({ everywhere: true });
    const post = sentRequests.find((r) => r.method === 'POST');
    expect(post?.headers.get('content-type')).toBe('application/json');
    expect(screen.getByRole('button', { name: 'Sign out everywhere' })).toBeDisabled();
  });

  it('shows a readable error with Retry when the list cannot be loaded', async () => {
    server.use(http.get('/sessions', () => problem(503, 'session_store_unavailable', 'Session store unavailable')));
    const { user } = renderPanel();

    expect(await within(panel()).findByText(/your sessions could not be loaded: session store unavailable/i)).toBeInTheDocument();
    sessionsEndpoint([laptop]);
    await user.click(within(panel()).getByRole('button', { name: 'Retry' }));
    expect(await rows()).toHaveLength(1);
  });

  it('says what to do when /sessions is answered by the dev server\'s index.html instead of the API', async () => {
    server.use(http.get('/sessions', () => HttpResponse.html('<!doctype html><div id="root"></div>')));
    const { user } = renderPanel();

    const message = await within(panel()).findByText(/could not load your sessions: the api did not answer/i);
    expect(message).toHaveTextContent('Is `npm run dev` running the API?');
    expect(message).not.toHaveTextContent(/unexpected/i);
    sessionsEndpoint([laptop]);
    await user.click(within(panel()).getByRole('button', { name: 'Retry' }));
    expect(await rows()).toHaveLength(1);
  });

  it('says the API did not answer when nothing answers, without dev advice in a production build', async () => {
    vi.stubEnv('DEV', false);
    server.use(http.get('/sessions', () => HttpResponse.error()));
    renderPanel();

    const message = await within(panel()).findByText(/could not load your sessions: the api did not answer/i);
    expect(message).toHaveTextContent('Please try again in a moment.');
    expect(message).not.toHaveTextContent('npm run dev');
  });
});
