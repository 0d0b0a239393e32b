import { useState } from 'preact/hooks';
import { clearCache, get, must, post, qs, useLoad } from '../api';
import { Badge, Field, Loaded, Notice, Pager, Panel, Table, time, val } from '../ui';

interface Audience {
  id: string;
  name: string;
  description?: string;
  expression?: { value?: string };
  evaluationInfo?: { continuous?: { enabled?: boolean }; batch?: { enabled?: boolean } };
  metrics?: { data?: { totalProfiles?: number; realized?: number; existing?: number; exited?: number } };
  updateTime?: number;
}

const PAGE = 20;

/** Audiences with their sizes and movement (qualified, still in, exited), a page at a time; create one from PQL. */
export function AudiencesPage() {
  const [page, setPage] = useState(0);
  const [name, setName] = useState('');
  const [pql, setPql] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const list = useLoad(() => must(get<{ children: Audience[] }>(`/data/core/ups/audiences?${qs({ limit: PAGE + 1, start: page * PAGE })}`)), [page]);
  const [job, setJob] = useState<string>();
  // a batch job over the listed audiences, polled until it ends: long work shows where it is
  const evaluate = async (ids: string[]) => {
    setJob('Submitting a batch job…');
    const r = await post<{ id: string; status: string }>('/data/core/ups/segment/jobs', ids.map((segmentId) => ({ segmentId })));
    if (!r.ok) return setJob(undefined), setMessage({ kind: 'error', text: r.error! });
    const t0 = performance.now();
    for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
      const st = await get<{ status: string; metrics?: Record<string, any> }>(`/data/core/ups/segment/jobs/${r.data.id}`);
      if (!st.ok) return setJob(undefined), setMessage({ kind: 'error', text: st.error! });
      setJob(`Batch job ${st.data.status.toLowerCase()} · ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(st.data.status)) {
        setJob(undefined);
        const n = st.data.metrics?.totalProfiles;
        setMessage(st.data.status === 'SUCCEEDED' ? { kind: 'ok', text: `Evaluated ${ids.length} audience${ids.length === 1 ? '' : 's'} in batch${typeof n === 'number' ? ` over ${n.toLocaleString()} profiles` : ''}.` } : { kind: 'error', text: `The batch job ${st.data.status.toLowerCase()}.` });
        return list.reload();
      }
      await new Promise((res) => setTimeout(res, wait));
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    const r = await post('/data/core/ups/segment/definitions', { name, schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: pql } });
    setMessage(r.ok ? { kind: 'ok', text: `Created "${name}": evaluated as profiles change.` } : { kind: 'error', text: r.error! });
    if (r.ok) {
      setName('');
      setPql('');
      clearCache('audiences');
      list.reload();
    }
  };
  return (
    <>
      <h1>Audiences</h1>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <Panel
        title="Audiences"
        wide
        actions={
          <button type="button" disabled={!!job || !list.data?.children.length} onClick={() => void evaluate((list.data?.children ?? []).slice(0, PAGE).map((a) => a.id))}>
            Evaluate now (batch)
          </button>
        }
      >
        {job && (
          <p role="status" aria-live="polite">
            {job}
          </p>
        )}
        <Loaded state={list} what="audiences">
          {(d) => (
            <>
              <Table
                caption="Audiences"
                rows={d.children.slice(0, PAGE)}
                rowKey={(a) => a.id}
                empty="No audiences yet."
                columns={[
                  { label: 'Audience', cell: (a) => <><strong>{a.name}</strong><br /><span class="muted small">{a.description}</span></> },
                  { label: 'Size', cell: (a) => (a.metrics?.data?.totalProfiles ?? 0).toLocaleString(), class: 'num' },
                  {
                    label: 'Trend',
                    cell: (a) => {
                      const m = a.metrics?.data ?? {};
                      return <span class="small">+{m.realized ?? 0} qualified · {m.existing ?? 0} stayed · −{m.exited ?? 0} exited</span>;
                    },
                  },
                  { label: 'Evaluation', cell: (a) => <Badge>{a.evaluationInfo?.continuous?.enabled ? 'streaming' : 'batch'}</Badge> },
                  { label: 'Rule', cell: (a) => <code class="small">{a.expression?.value}</code> },
                ]}
              />
              <Pager label="Audiences" page={page} hasNext={d.children.length > PAGE} onPage={setPage} />
            </>
          )}
        </Loaded>
      </Panel>
      <Panel title="New audience" wide>
        <form onSubmit={create} class="row wrap">
          <Field label="Name">
            <input required value={name} onInput={(e) => setName(val(e))} />
          </Field>
          <Field label="Rule (PQL)">
            <input required class="code" value={pql} placeholder='loyalty.tier = "gold"' onInput={(e) => setPql(val(e))} />
          </Field>
          <button type="submit" class="primary">
            Create
          </button>
        </form>
      </Panel>
    </>
  );
}

interface Journey {
  id: string;
  name: string;
  description?: string;
  liveVersionId?: string;
  draftVersionId?: string;
  versionIds?: string[];
  updatedAt?: number;
}

/** Journeys, and for one version its funnel per node and its action errors (the report API). */
export function JourneysPage(p: { query: URLSearchParams }) {
  const sel = p.query.get('id') ?? '';
  const list = useLoad(() => must(get<{ children: Journey[] }>('/ajo/journeys?limit=100')), []);
  const [selected, setSelected] = useState(sel);
  const detail = useLoad(async () => {
    if (!selected) return undefined;
    const j = await must(get<{ journey: Journey; versions: Array<{ id: string; version: string; status: string; publishedAt?: number }> }>(`/ajo/journeys/${selected}`));
    const v = j.versions.find((x) => x.status === 'live') ?? j.versions[j.versions.length - 1];
    const report = v ? await get(`/ajo/journeys/${selected}/versions/${v.id}/report`) : undefined;
    return { ...j, version: v, report: report?.ok ? report.data : undefined, reportError: report && !report.ok ? report.error : undefined };
  }, [selected]);
  return (
    <>
      <h1>Journeys</h1>
      <Loaded state={list} what="journeys">
        {(d) =>
          d.children.length === 0 ? (
            <p class="muted">No journeys yet (create them at /ajo/journeys; see the API docs).</p>
          ) : (
            <Field label="Journey">
              <select value={selected} onChange={(e) => setSelected(val(e))}>
                <option value="">Choose a journey…</option>
                {d.children.map((j) => (
                  <option value={j.id}>{j.name}</option>
                ))}
              </select>
            </Field>
          )
        }
      </Loaded>
      {selected && (
        <Loaded state={detail} what="the journey">
          {(j) =>
            j && (
              <Panel title={j.journey.name} wide>
                <p class="muted">
                  Version {j.version?.version} <Badge kind={j.version?.status === 'live' ? 'ok' : ''}>{j.version?.status}</Badge> {j.version?.publishedAt ? `published ${time(j.version.publishedAt)}` : ''}
                </p>
                {j.reportError && <Notice kind="warn">{j.reportError}</Notice>}
                {j.report && (
                  <>
                    <p>
                      {j.report.entered} entered · {j.report.distinctPeople ?? '—'} people · {j.report.ended ?? 0} ended · {j.report.timeouts ?? 0} timeouts
                    </p>
                    <h3>Funnel per node</h3>
                    <Table
                      caption="Steps per node"
                      rows={j.report.nodes as Array<{ nodeId: string; nodeType?: string; count: number; statuses?: Record<string, number> }>}
                      columns={[
                        { label: 'Node', cell: (n) => <code>{n.nodeId}</code> },
                        { label: 'Type', cell: (n) => n.nodeType ?? '—' },
                        { label: 'People', cell: (n) => <span class="bar" style={{ '--w': `${Math.round((100 * n.count) / Math.max(1, j.report.entered))}%` }}>{n.count}</span> },
                        { label: 'Statuses', cell: (n) => Object.entries(n.statuses ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') },
                      ]}
                    />
                    <h3>Errors</h3>
                    <Table caption="Action errors" rows={(j.report.errors ?? []) as Array<{ nodeId: string; error: string; code?: string; count: number }>} empty="No errors." columns={[{ label: 'Node', cell: (e) => <code>{e.nodeId}</code> }, { label: 'Error', cell: (e) => `${e.error}${e.code ? ` (${e.code})` : ''}` }, { label: 'Count', cell: (e) => e.count }]} />
                  </>
                )}
              </Panel>
            )
          }
        </Loaded>
      )}
    </>
  );
}
