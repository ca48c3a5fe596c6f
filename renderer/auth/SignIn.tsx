import { useId, useState, type FormEvent } from 'react';
import { useSession } from './session.js';

/** The browser's way in: the admin token from the data directory (`admin-token`) or HEARTH_ADMIN_TOKEN. */
export function SignIn({ message }: { message?: string }) {
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(message ?? null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const helpId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const result = await signIn(token);
    setBusy(false);
    setError(result);
  };

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <div className="brand signin-brand"><span className="brand-mark" aria-hidden="true" /> Hearth</div>
        <h1 id="signin-title">Sign in</h1>
        <label htmlFor={inputId}>Admin token</label>
        <input
          id={inputId}
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby={helpId}
          aria-invalid={error ? true : undefined}
          autoFocus
          required
        />
        <p id={helpId} className="hint">
          The token is in the file <code>admin-token</code> in the server's data directory
          (<code>hearth serve</code> prints where). It stays in this tab only.
        </p>
        {error ? <p className="form-error" role="alert">{error}</p> : null}
        <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
