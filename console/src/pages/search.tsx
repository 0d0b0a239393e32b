import { useEffect, useState } from 'preact/hooks';
import { authHeaders, clearCache, get, getSession, namespaceList, qs, setSession } from '../api';
import { href, navigate } from '../router';
import { Field, Loading, Notice, Panel, val } from '../ui';
import { loadDemo, waitForIngest } from '../../../src/console/demo/demo-loader';

interface Suggestion {
  namespace: string;
  id: string;
  xid: string;
  match: 'exact' | 'typo' | 'contains';
  distance: number;
}

const personHref = (ns: string, id: string) => href('/person', { ns, id });

/** Find a customer by any identity; exact hits open the 360 page, near misses become "did you mean" links. */
export function Search(p: { query: URLSearchParams }) {
  const q = p.query.get('q') ?? '';
  const ns = p.query.get('ns') ?? '';
  const [value, setValue] = useState(q);
  const [namespace, setNamespace] = useState(ns);
  const [namespaces, setNamespaces] = useState<Array<{ code: string; name: string }>>([]);
  const [result, setResult] = useState<{ exact: Suggestion[]; near: Suggestion[]; error?: string }>();
  const [empty, setEmpty] = useState(false);

  useEffect(() => {
    void namespaceList().then(setNamespaces);
    void get<Record<string, unknown>>('/data/foundation/catalog/dataSets?limit=1').then((r) => setEmpty(r.ok && Object.keys(r.data ?? {}).length === 0));
  }, []);

  useEffect(() => {
    if (!q) return setResult(undefined);
    setResult(undefined);
    void (async () => {
      if (ns) {
        const c = await get<{ clusters: unknown[] }>(`/data/core/identity/cluster/members?${qs({ namespace: ns, id: q })}`);
        if (c.ok && c.data.clusters.length > 0) return location.replace(personHref(ns, q));
        if (!c.ok && c.status !== 404) return setResult({ exact: [], near: [], error: c.error });
      }
      const s = await get<{ suggestions: Suggestion[] }>(`/data/core/identity/suggest?${qs({ value: q, namespace: ns || undefined, limit: 10 })}`);
      if (!s.ok) return setResult({ exact: [], near: [], error: s.error });
      let list = s.data.suggestions;
      // nothing near in the namespace asked: look in every namespace
      if (ns && list.length === 0) {
        const any = await get<{ suggestions: Suggestion[] }>(`/data/core/identity/suggest?${qs({ value: q, limit: 10 })}`);
        if (any.ok) list = any.data.suggestions;
      }
      const exact = list.filter((x) => x.match === 'exact');
      if (exact.length === 1 && !ns) return location.replace(personHref(exact[0]!.namespace, exact[0]!.id));
      setResult({ exact, near: list.filter((x) => x.match !== 'exact') });
    })();
  }, [q, ns]);

  return (
    <>
      <h1>Find a customer</h1>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('/search', { q: value.trim(), ns: namespace || undefined });
        }}
      >
        <Field label="Email, phone, CRM id, customer id, ECID or any identity">
          <input type="search" name="q" value={value} onInput={(e) => setValue(val(e))} placeholder="ann@example.com" autoFocus required />
        </Field>
        <Field label="Namespace">
          <select name="ns" value={namespace} onChange={(e) => setNamespace(val(e))}>
            <option value="">Any namespace</option>
            {namespaces.map((n) => (
              <option value={n.code}>
                {n.name} ({n.code})
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {q && !result && <Loading what={`"${q}"`} />}
      {result?.error && <Notice kind="error">{result.error}</Notice>}
      {result && !result.error && (
        <section aria-live="polite" class="results">
          {result.exact.length > 0 && (
            <>
              <h2>People with "{q}"</h2>
              <ul class="hits">
                {result.exact.map((x) => (
                  <li>
                    <a href={personHref(x.namespace, x.id)}>
                      {x.id} <span class="muted">({x.namespace})</span>
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
          {result.exact.length === 0 && (
            <Notice kind="warn">
              No one has the identity "{q}"{ns ? ` in ${ns}` : ''}.{' '}
              <a href={href('/doctor', { ns: ns || 'Email', id: q })}>Ask the profile doctor why</a>
            </Notice>
          )}
          {result.near.length > 0 && (
            <>
              <h2>Did you mean</h2>
              <ul class="hits">
                {result.near.map((x) => (
                  <li>
                    <a href={personHref(x.namespace, x.id)}>
                      {x.id} <span class="muted">({x.namespace}{x.match === 'typo' ? `, ${x.distance} typo${x.distance > 1 ? 's' : ''}` : ', contains it'})</span>
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
      {empty && <DemoLoader />}
    </>
  );
}

/** An empty sandbox offers the demo store (loaded through the public API into sandbox `demo`). */
function DemoLoader() {
  const [state, setState] = useState<{ step?: string; done?: number; total?: number; error?: string; finished?: string }>({});
  const run = async () => {
    const s = getSession()!;
    const target = { baseUrl: '', headers: authHeaders(s, false), sandbox: 'demo' };
    try {
      setState({ step: 'starting' });
      const summary = await loadDemo(target, { onProgress: (step, done, total) => setState({ step, done, total }) });
      setState({ step: 'waiting for the processor' });
      await waitForIngest(target, 60_000);
      setState({ finished: `Loaded ${summary.customers} customers and ${summary.events} events into sandbox "demo". Try ${summary.sampleEmail}.` });
      clearCache();
      setSession({ ...getSession()!, sandbox: 'demo' });
      navigate('/search', { q: summary.sampleEmail });
    } catch (e) {
      setState({ error: (e as Error).message });
    }
  };
  const busy = state.step !== undefined && !state.error && !state.finished;
  return (
    <Panel title="This sandbox is empty">
      <p>Load a demo store (200 customers with web and commerce events, four audiences, computed attributes and a journey) into the sandbox "demo", through Kith's API. Loading it again changes nothing.</p>
      <button type="button" class="primary" disabled={busy} onClick={() => void run()}>
        Load demo data
      </button>
      {busy && (
        <p role="status">
          {state.step}
          {state.total ? ` ${state.done}/${state.total}` : ''}
          {state.total ? <progress max={state.total} value={state.done} aria-label="Demo data progress" /> : null}
        </p>
      )}
      {state.error && <Notice kind="error">{state.error}</Notice>}
      {state.finished && <Notice kind="ok">{state.finished}</Notice>}
    </Panel>
  );
}
