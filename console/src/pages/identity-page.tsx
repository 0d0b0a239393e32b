import { useEffect, useState } from 'preact/hooks';
import { call, get, post } from '../api';
import { Badge, Field, Loading, Notice, Panel, val } from '../ui';

const SAMPLE_LINKS = `# one record per line: namespace:id namespace:id …
Email:ann@example.com ECID:11111111111111111111111111111111111111
Email:ann@example.com CRMID:C-1
Email:bob@example.com ECID:11111111111111111111111111111111111111`;

/** "Email:a ECID:b" lines → simulation links (one record each, in order). */
export function parseLinks(text: string): Array<{ identities: Array<{ namespace: string; id: string }>; timestamp: number }> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l, i) => ({
      identities: l.split(/\s+/).map((t) => {
        const k = t.indexOf(':');
        return { namespace: t.slice(0, k), id: t.slice(k + 1) };
      }),
      timestamp: 1_700_000_000_000 + i * 1000,
    }));
}

/** Linking rules of the sandbox: edit, simulate on sample links before saving, save (graphs are recomputed). */
export function IdentitySettingsPage() {
  const [rules, setRules] = useState<string>();
  const [links, setLinks] = useState(SAMPLE_LINKS);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [sim, setSim] = useState<{ graphs: Array<Array<{ namespace: string; id: string }>>; history: Array<{ op: string; detail?: string; a?: string; b?: string }> }>();
  useEffect(() => {
    void get('/data/core/identity/settings').then((r) => (r.ok ? setRules(JSON.stringify(r.data, null, 2)) : setMessage({ kind: 'error', text: r.error! })));
  }, []);
  const parsed = () => {
    try {
      return JSON.parse(rules ?? '{}');
    } catch (e) {
      setMessage({ kind: 'error', text: `The rules are not valid JSON: ${(e as Error).message}` });
      return undefined;
    }
  };
  const simulate = async () => {
    const r0 = parsed();
    if (!r0) return;
    const r = await post('/data/core/identity/simulate', { rules: r0, links: parseLinks(links) });
    if (!r.ok) return setMessage({ kind: 'error', text: r.error! });
    setMessage({ kind: 'ok', text: `Simulated: ${r.data.graphs.length} graph${r.data.graphs.length === 1 ? '' : 's'}.` });
    setSim(r.data);
  };
  const save = async () => {
    const r0 = parsed();
    if (!r0) return;
    const r = await call('PUT', '/data/core/identity/settings', { body: r0 });
    setMessage(r.ok ? { kind: 'ok', text: 'Saved. The sandbox\'s graphs are recomputed under the new rules.' } : { kind: 'error', text: r.error! });
    if (r.ok) setRules(JSON.stringify(r.data, null, 2));
  };
  return (
    <>
      <h1>Identity settings</h1>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <div class="two">
        <Panel title="Linking rules">
          {rules === undefined ? (
            <Loading what="the rules" />
          ) : (
            <Field label="Rules (JSON)" hint="uniqueNamespaces, priority (1 = highest), graphSizeLimit, blockedValues, linkLimit">
              <textarea rows={16} class="code" value={rules} onInput={(e) => setRules(val(e))} spellcheck={false} />
            </Field>
          )}
          <div class="row">
            <button type="button" onClick={() => void simulate()}>
              Simulate
            </button>
            <button type="button" class="primary" onClick={() => void save()}>
              Save rules
            </button>
          </div>
        </Panel>
        <Panel title="Simulation">
          <Field label="Sample records" hint="One record per line: the identities it carries">
            <textarea rows={8} class="code" value={links} onInput={(e) => setLinks(val(e))} spellcheck={false} />
          </Field>
          {sim && (
            <>
              <h3>Resulting graphs</h3>
              <ol>
                {sim.graphs.map((g) => (
                  <li>{g.map((m) => `${m.namespace}:${m.id}`).join(' · ')}</li>
                ))}
              </ol>
              {sim.history.filter((h) => h.op !== 'link').length > 0 && (
                <>
                  <h3>What the rules did</h3>
                  <ul>
                    {sim.history
                      .filter((h) => h.op !== 'link')
                      .map((h) => (
                        <li>
                          <Badge kind="warn">{h.op}</Badge> {h.detail ?? ''}
                        </li>
                      ))}
                  </ul>
                </>
              )}
            </>
          )}
        </Panel>
      </div>
    </>
  );
}
