import { Spinner } from '../../../components/spinner';
import type { CallApiState } from '../api/call-api';
import { DEMO_API_TARGETS } from '../api/call-api';
import { ApiResponse } from './api-response';
import { CallHistory } from './call-history';

/** "Call the API": one button, the latest response and the recent calls. */
export function ApiPanel({ call }: { call: CallApiState }) {
  return (
    <section className="card api-panel" aria-labelledby="api-panel-title">
      <div className="api-panel__head">
        <div>
          <h2 id="api-panel-title" className="card__title">
            Protected API
          </h2>
          <p className="muted">
            Sends <code className="mono">GET</code> with your session cookie; the BFF picks the token by route:{' '}
            {DEMO_API_TARGETS.map((t, i) => (
              <span key={t.path}>
                {i > 0 && ', '}
                <code className="mono">{t.path}</code> ({t.hint})
              </span>
            ))}
            .
          </p>
        </div>
        <div className="api-panel__actions">
          {DEMO_API_TARGETS.map((target, i) => {
            const busy = call.isPending && call.variables === target.path;
            return (
              // aria-disabled keeps focus on the button while the call is in flight
              <button
                key={target.path}
                type="button"
                className={`button ${i === 0 ? 'button--primary' : 'button--secondary'}`}
                onClick={call.isPending ? undefined : () => call.mutate(target.path)}
                aria-disabled={call.isPending}
                aria-busy={busy}
              >
                {busy && <Spinner />}
                {target.label}
              </button>
            );
          })}
        </div>
      </div>
      <ApiResponse result={call.data} error={call.error} pending={call.isPending} />
      <CallHistory history={call.history} />
    </section>
  );
}
