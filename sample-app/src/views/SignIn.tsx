import { useState } from 'preact/hooks';
import { login } from '../api/auth.js';
import { ApiError } from '../api/http.js';
import type { Session } from '../app/session.js';

const DEMO_USERS = [
  { username: 'alice', label: 'Alice (technician)' },
  { username: 'bob', label: 'Bob (technician)' },
  { username: 'carol', label: 'Carol (no work orders yet)' },
];

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('alice');
  const [password, setPassword] = useState('demo');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (event: Event): void => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    login(username.trim(), password)
      .then(onSignedIn, (reason: unknown) => {
        if (reason instanceof ApiError && reason.status === 401) setError('Wrong user name or password.');
        else if (reason instanceof ApiError && reason.status === 0)
          setError('Signing in needs a connection to the server. Try again when you are online.');
        else setError(reason instanceof Error ? reason.message : 'Sign-in failed.');
      })
      .finally(() => setBusy(false));
  };
  return (
    <main class="signin" id="main">
      <div class="signin-card">
        <img src="/icons/icon.svg" alt="" width={56} height={56} />
        <h1>Field Service</h1>
        <p class="muted">Work orders that keep working without signal.</p>
        <form onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
          <label for="username">User</label>
          <select id="username" value={username} onChange={(e) => setUsername(e.currentTarget.value)}>
            {DEMO_USERS.map((u) => (
              <option key={u.username} value={u.username}>
                {u.label}
              </option>
            ))}
          </select>
          <label for="password">Password</label>
          <input
            id="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
          <p class="hint">Demo accounts: every password is “demo”.</p>
          {error && (
            <p id="signin-error" class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
