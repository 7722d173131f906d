// The README example (examples/react-app.tsx), compiled by `tsc` with the package and rendered
// here against a real BFF: signed out it offers sign-in; signed in it greets, calls the API,
// lists and ends sessions, and signs out.
import { QueryClient } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@app/bff-testing';
import { App } from '../examples/react-app.js';
import { page, spyOnNavigation } from './render.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

// The example uses the same-origin client, as in production: the page is at the BFF's origin.
function openAt(jar?: Awaited<ReturnType<Stack['signIn']>>) {
  const p = page(stack, jar);
  render(<App client={new QueryClient({ defaultOptions: { queries: { retry: false } } })} />);
  return p;
}

describe('the README example', () => {
  it('offers sign-in when signed out, which goes to the BFF’s /auth/login', async () => {
    openAt();
    const assign = spyOnNavigation();
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2F');
  });

  it('greets the user, calls the API through the BFF, ends another session and signs out', async () => {
    await stack.signIn('alice'); // a second session of alice, on another device
    const { sent } = openAt(await stack.signIn('alice'));
    expect(await screen.findByRole('heading', { name: 'Hello, Alice Example' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Call the API' }));
    expect(await screen.findByText('The API saw alice')).toBeTruthy();

    const list = screen.getByRole('list', { name: 'Your sessions' });
    await waitFor(() => expect(within(list).getAllByRole('button', { name: 'End' }).length).toBeGreaterThanOrEqual(1));
    const before = within(list).getAllByRole('listitem').length;
    fireEvent.click(within(list).getAllByRole('button', { name: 'End' })[0]!);
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(before - 1));

    const assign = spyOnNavigation();
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith(expect.stringContaining('/logout?client_id=local-client')));
    expect(sent.filter((r) => r.method !== 'GET').every((r) => r.headers.get('x-csrf') === '1')).toBe(true);
  });
});
