import { useState } from 'preact/hooks';
import { call, get, must, post, useLoad } from '../api';
import { Badge, Field, Loaded, Notice, Panel, Table, time, val } from '../ui';

interface Credential {
  id: string;
  name: string;
  apiKeyPrefix: string;
  revoked: boolean;
  createdAt: number;
}

/** API credentials of the org: create one (its key and secret shown once), revoke one (with every token it issued). */
export function CredentialsPage() {
  const list = useLoad(() => must(get<{ credentials: Credential[] }>('/data/foundation/kith/credentials', { sandboxed: false })), []);
  const [name, setName] = useState('');
  const [issued, setIssued] = useState<{ apiKey: string; clientSecret: string; name: string }>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const create = async (e: Event) => {
    e.preventDefault();
    const r = await post('/data/foundation/kith/credentials', { name }, { sandboxed: false });
    if (!r.ok) return setMessage({ kind: 'error', text: r.error! });
    setIssued({ apiKey: r.data.apiKey, clientSecret: r.data.clientSecret, name: r.data.name });
    setMessage({ kind: 'ok', text: `Created "${r.data.name}". Copy the secret now: it is not shown again.` });
    setName('');
    list.reload();
  };
  const revoke = async (c: Credential) => {
    if (!confirm(`Revoke "${c.name}" and every token it issued?`)) return;
    const r = await call('DELETE', `/data/foundation/kith/credentials/${c.id}`, { sandboxed: false });
    setMessage(r.ok ? { kind: 'ok', text: `Revoked "${c.name}".` } : { kind: 'error', text: r.error! });
    list.reload();
  };
  return (
    <>
      <h1>Credentials</h1>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {issued && (
        <Panel title={`New credential: ${issued.name}`}>
          <dl class="kv">
            <dt>API key</dt>
            <dd><code>{issued.apiKey}</code></dd>
            <dt>Client secret</dt>
            <dd><code>{issued.clientSecret}</code></dd>
          </dl>
        </Panel>
      )}
      <Panel title="Credentials" wide>
        <Loaded state={list} what="credentials">
          {(d) => (
            <Table
              caption="Credentials"
              rows={d.credentials}
              rowKey={(c) => c.id}
              columns={[
                { label: 'Name', cell: (c) => c.name },
                { label: 'API key', cell: (c) => <code>{c.apiKeyPrefix}…</code> },
                { label: 'Created', cell: (c) => time(c.createdAt) },
                { label: 'State', cell: (c) => <Badge kind={c.revoked ? 'off' : 'ok'}>{c.revoked ? 'revoked' : 'active'}</Badge> },
                { label: 'Action', cell: (c) => (c.revoked ? '—' : <button type="button" class="small danger" onClick={() => void revoke(c)} aria-label={`Revoke ${c.name}`}>Revoke</button>) },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <Panel title="New credential">
        <form onSubmit={create} class="row wrap">
          <Field label="Name">
            <input required value={name} onInput={(e) => setName(val(e))} />
          </Field>
          <button type="submit" class="primary">
            Create
          </button>
        </form>
      </Panel>
    </>
  );
}
