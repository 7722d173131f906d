import { useSignOut } from '@app/react';

/** Ends the session at the BFF, then at the IdP (@app/react's signOut). */
export function SignOutButton() {
  const signOut = useSignOut();
  // After success the browser is leaving; keep the button disabled until it has.
  const busy = signOut.isPending || signOut.isSuccess;
  return (
    <div className="signout">
      <button type="button" className="button button--secondary" onClick={() => signOut.mutate({})} disabled={busy} aria-busy={busy}>
        Sign out
      </button>
      {signOut.isError && (
        <p className="signout__error" role="status">
          Sign-out failed: {signOut.error.message}
        </p>
      )}
    </div>
  );
}
