import { useState } from 'preact/hooks';
import { call, errorText, setSession } from '../api';
import { Field, Notice, val } from '../ui';

/**
 * Sign in with an API credential: the key and secret are exchanged for a bearer token at the IMS token endpoint; the
 * token (never the secret) is kept in sessionStorage for this tab only. Then the org comes from whoami.
 */
export function SignIn() {
  const [apiKey, setKey] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const t = await call<{ access_token: string }>('POST', '/ims/token/v3', {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: apiKey.trim(), client_secret: secret.trim() }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (!t.ok) {
      setBusy(false);
      return setError(t.status === 401 ? 'That API key and secret do not match a credential.' : t.error);
    }
    const who = await fetch('/data/foundation/kith/whoami', { headers: { authorization: `Bearer ${t.data.access_token}`, 'x-api-key': apiKey.trim() } });
    const w = await who.json();
    setBusy(false);
    if (!who.ok) return setError(errorText(who.status, w));
    const sandboxes = await fetch('/data/foundation/sandbox-management/sandboxes?limit=100', { headers: { authorization: `Bearer ${t.data.access_token}`, 'x-api-key': apiKey.trim(), 'x-gw-ims-org-id': w.orgId } });
    const list = sandboxes.ok ? ((await sandboxes.json()).sandboxes as Array<{ name: string; isDefault?: boolean }>) : [];
    const sandbox = list.find((s) => s.isDefault)?.name ?? list[0]?.name ?? 'prod';
    setSecret('');
    setSession({ apiKey: apiKey.trim(), token: t.data.access_token, orgId: w.orgId, tenantId: w.tenantId, credentialName: w.credentialName ?? w.apiKeyPrefix, expiresAt: w.expiresAt, sandbox });
    if (!location.hash || location.hash === '#/') location.hash = '#/search';
  };
  return (
    <main id="main" class="signin">
      <form onSubmit={submit} aria-labelledby="signin-h">
        <h1 id="signin-h">Kith console</h1>
        <p class="muted">
          Sign in with an API credential: <code>apiKey</code> and <code>clientSecret</code> from <code>data/credentials.json</code>, or one made with{' '}
          <code>kith admin credentials create</code>.
        </p>
        <Field label="API key">
          <input name="apiKey" autoComplete="username" required value={apiKey} onInput={(e) => setKey(val(e))} />
        </Field>
        <Field label="Client secret">
          <input name="secret" type="password" autoComplete="current-password" required value={secret} onInput={(e) => setSecret(val(e))} />
        </Field>
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">The token is kept for this browser tab only; the secret is not stored.</p>
      </form>
    </main>
  );
}
