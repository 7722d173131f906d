import { Spinner } from '../../../components/spinner';
import type { CallApiState } from '../api/call-api';
import { DEMO_API_PATH } from '../api/call-api';
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
            Sends <code className="mono">GET {DEMO_API_PATH}</code> with your session cookie; the BFF swaps it for a bearer token.
          </p>
        </div>
        {/* aria-disabled keeps focus on the button while the call is in flight. */}
        <button
          type="button"
          className="button button--primary"
          onClick={call.isPending ? undefined : () => call.mutate(DEMO_API_PATH)}
          aria-disabled={call.isPending}
          aria-busy={call.isPending}
        >
          {call.isPending && <Spinner />}
          Call the API
        </button>
      </div>
      <ApiResponse result={call.data} error={call.error} pending={call.isPending} />
      <CallHistory history={call.history} />
    </section>
  );
}
