/**
 * "Use it in your own React app" (docs/react-client.md): a whole app on @app/react. Your
 * QueryClient, your components; the package reads the session, signs in and out, calls your API
 * through the BFF and lists the user's devices. test/example-app.test.tsx renders this very file
 * against a real BFF.
 */
import { QueryClient, QueryClientProvider, useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { isBffError, signIn, useApiClient, useEndSession, useSession, useSessions, useSignOut } from '@app/react';

const queryClient = new QueryClient();

/** Mount this at the root of a page served by the BFF (same origin). */
export function App({ client = queryClient }: { client?: QueryClient }) {
  return (
    <QueryClientProvider client={client}>
      <Home />
    </QueryClientProvider>
  );
}

function Home() {
  const { status, user, refreshError, error } = useSession();
  const signOut = useSignOut();

  if (status === 'loading') return <p role="status">Checking your session…</p>;
  if (error) return <p role="alert">We can’t check your session right now: {error.message}</p>;
  if (status === 'unauthenticated') {
    return <button onClick={() => signIn({ returnTo: '/' })}>Sign in</button>;
  }
  return (
    <main>
      <h1>Hello, {user?.name ?? user?.username}</h1>
      {refreshError && <p role="alert">Your access could not be refreshed just now; your session is kept.</p>}
      <Orders />
      <Devices />
      <button onClick={() => signOut.mutate({ everywhere: false })}>Sign out</button>
    </main>
  );
}

/** Your API behind the BFF: no token in the page, a 401 signs the page out by itself. */
function Orders() {
  const api = useApiClient();
  const [answer, setAnswer] = useState<string>();
  const load = useMutation({
    mutationFn: () => api.json<{ claims?: { username?: string } }>('/api/hello'),
    onSuccess: (body) => setAnswer(`The API saw ${body.claims?.username ?? 'someone'}`),
    onError: (error) => setAnswer(isBffError(error) && error.code === 'step_up_required' ? `Sign in again: ${error.loginUrl}` : `Failed: ${error.message}`),
  });
  return (
    <section aria-label="API">
      <button onClick={() => load.mutate()}>Call the API</button>
      {answer && <p>{answer}</p>}
    </section>
  );
}

/** The user's sessions on every device, each one endable. */
function Devices() {
  const sessions = useSessions();
  const end = useEndSession();
  return (
    <ul aria-label="Your sessions">
      {sessions.data?.sessions.map((s) => (
        <li key={s.id}>
          {s.userAgent || 'Unknown device'} {s.current ? '(this one)' : <button onClick={() => end.mutate(s.id)}>End</button>}
        </li>
      ))}
    </ul>
  );
}
