import { useLogout } from '../api/logout';

/** Ends the session at the BFF, then at the IdP. */
export function SignOutButton() {
  const logout = useLogout();
  // After success the browser is leaving; keep the button disabled until it has.
  const busy = logout.isPending || logout.isSuccess;
  return (
    <div className="signout">
      <button type="button" className="button button--secondary" onClick={() => logout.mutate()} disabled={busy} aria-busy={busy}>
        Sign out
      </button>
      {logout.isError && (
        <p className="signout__error" role="status">
          Sign-out failed: {logout.error.message}
        </p>
      )}
    </div>
  );
}
