import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccessTokenCountdown } from './access-token-countdown';

describe('AccessTokenCountdown', () => {
  const start = new Date('2025-06-01T12:00:00Z');
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(start);
  });
  afterEach(() => vi.useRealTimers());

  const tick = (ms: number) => act(() => vi.advanceTimersByTime(ms));
  const timer = () => screen.getByRole('timer', { name: 'Access token remaining lifetime' });

  it('counts down every second as mm:ss', () => {
    render(<AccessTokenCountdown expiresAt={start.getTime() / 1000 + 125} />);
    expect(timer()).toHaveTextContent('02:05');

    tick(1000);
    expect(timer()).toHaveTextContent('02:04');

    tick(64_000);
    expect(timer()).toHaveTextContent('01:00');
  });

  it('says the token refreshes automatically near and after zero, never going negative', () => {
    render(<AccessTokenCountdown expiresAt={start.getTime() / 1000 + 15} />);
    expect(screen.queryByText('refreshes automatically')).not.toBeInTheDocument();

    tick(5000);
    expect(timer()).toHaveTextContent('00:10');
    expect(screen.getByText('refreshes automatically')).toBeInTheDocument();

    tick(30_000);
    expect(timer()).toHaveTextContent('00:00');
    expect(screen.getByText('refreshes automatically')).toBeInTheDocument();
  });

  it('announces politely at most once a minute, not on every tick', () => {
    const { container } = render(<AccessTokenCountdown expiresAt={start.getTime() / 1000 + 125} />);
    const live = container.querySelector('[aria-live="polite"]');
    expect(live).toHaveTextContent('about 3 minutes');
    expect(timer()).not.toHaveAttribute('aria-live');

    tick(1000);
    expect(live).toHaveTextContent('about 3 minutes');

    tick(6000); // 118 s left
    expect(live).toHaveTextContent('about 2 minutes');
  });
});
