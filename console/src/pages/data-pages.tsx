import { useState } from 'preact/hooks';
import { call, clearCache, get, must, qs, useLoad } from '../api';
import { runQuery } from './sql-page';
import { Badge, Json, Loaded, Notice, Pager, Panel, Table, time } from '../ui';

interface Dataset {
  id: string;
  name: string;
  tags?: Record<string, string[]>;
  schemaRef?: { id: string };
  created?: number;
  lastBatchStatus?: string;
}

const PAGE = 20;
const enabled = (d: Dataset, tag: string) => (d.tags?.[tag] ?? []).includes('enabled:true');

/** Datasets with their Profile and Identity switches (and what each costs), and the tenant schemas. */
export function DatasetsPage() {
  const [page, setPage] = useState(0);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const schemas = useLoad(() => must(get<{ results: Array<{ $id: string; title: string; 'meta:class'?: string }> }>('/data/foundation/schemaregistry/tenant/schemas?limit=100', { headers: { accept: 'application/vnd.adobe.xed-id+json' } })), []);
  const datasets = useLoad(async () => {
    const d = await must(get<Record<string, Omit<Dataset, 'id'>>>(`/data/foundation/catalog/dataSets?${qs({ limit: PAGE + 1, start: page * PAGE, orderBy: 'desc:created' })}`));
    return Object.entries(d ?? {}).map(([id, v]) => ({ id, ...v }));
  }, [page]);
  // what a switch costs: the records it would add to Profile (one SQL count per listed table, on the Query Service)
  const counts = useLoad(async () => {
    const rows = (datasets.data ?? []).slice(0, PAGE).filter((d) => d.tags?.['adobe/pqs/table']?.[0]);
    if (rows.length === 0) return new Map<string, number>();
    const sql = rows.map((d) => `SELECT '${d.id}' AS id, count(*) AS n FROM ${d.tags!['adobe/pqs/table']![0]}`).join(' UNION ALL ');
    const r = await runQuery(sql);
    return new Map(r.rows.map((x) => [String(x.id), Number(x.n)]));
  }, [datasets.data]);
  const toggle = async (d: Dataset, tag: 'unifiedProfile' | 'unifiedIdentity', on: boolean) => {
    const r = await call('PATCH', `/data/foundation/catalog/dataSets/${d.id}`, { body: [{ op: 'add', path: `/tags/${tag}`, value: [`enabled:${on}`] }], headers: { 'content-type': 'application/json-patch+json' } });
    setMessage(r.ok ? { kind: 'ok', text: `${tag === 'unifiedProfile' ? 'Profile' : 'Identity'} ${on ? 'enabled' : 'disabled'} on ${d.name}.` } : { kind: 'error', text: `${d.name}: ${r.error}` });
    clearCache('datasets');
    datasets.reload();
  };
  const schemaTitle = (id?: string) => schemas.data?.results.find((s) => s.$id === id)?.title ?? id ?? '—';
  return (
    <>
      <h1>Schemas and datasets</h1>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <Panel title="Datasets" wide>
        <p class="muted small">
          Profile: each record also becomes a profile fragment (profile storage, audience evaluation on every change). Identity: its identities join the identity graph. Enabling either applies to records
          ingested from then on.
        </p>
        <Loaded state={datasets} what="datasets">
          {(rows) => (
            <>
              <Table
                caption="Datasets"
                rows={rows.slice(0, PAGE)}
                rowKey={(d) => d.id}
                empty="No datasets in this sandbox."
                columns={[
                  { label: 'Dataset', cell: (d) => <><strong>{d.name}</strong><br /><code class="muted small">{d.tags?.['adobe/pqs/table']?.[0] ?? d.id}</code></> },
                  { label: 'Schema', cell: (d) => schemaTitle(d.schemaRef?.id) },
                  { label: 'Records', cell: (d) => (counts.data?.get(d.id) ?? (counts.loading ? '…' : '—')).toLocaleString() },
                  ...(['unifiedProfile', 'unifiedIdentity'] as const).map((tag) => ({
                    label: tag === 'unifiedProfile' ? 'Profile' : 'Identity',
                    cell: (d: Dataset) => (
                      <label class="switch">
                        <input type="checkbox" checked={enabled(d, tag)} onChange={(e) => void toggle(d, tag, e.currentTarget.checked)} />
                        <span>{enabled(d, tag) ? 'on' : 'off'}</span>
                        <span class="sr-only"> {tag === 'unifiedProfile' ? 'Profile' : 'Identity'} for {d.name}</span>
                      </label>
                    ),
                  })),
                  { label: 'Cost', cell: (d) => (enabled(d, 'unifiedProfile') ? `${(counts.data?.get(d.id) ?? 0).toLocaleString()} fragments in Profile` : 'lake only') },
                  { label: 'Last batch', cell: (d) => d.lastBatchStatus ?? '—' },
                ]}
              />
              <Pager label="Datasets" page={page} hasNext={rows.length > PAGE} onPage={setPage} />
            </>
          )}
        </Loaded>
      </Panel>
      <Panel title="Schemas" wide>
        <Loaded state={schemas} what="schemas">
          {(d) => <Table caption="Schemas" rows={d.results} empty="No schemas." columns={[{ label: 'Title', cell: (s) => s.title }, { label: 'Class', cell: (s) => <code>{s['meta:class'] ?? '—'}</code> }, { label: 'Id', cell: (s) => <code class="small">{s.$id}</code> }]} />}
        </Loaded>
      </Panel>
    </>
  );
}

/** Sources (Flow Service connections), dataflows and the ingestion pipeline's state; flow runs when the server has them. */
export function SourcesPage() {
  const conns = useLoad(() => must(get<{ items: Array<{ id: string; name: string; connectionSpec?: { id: string }; created?: number; createdAt?: number }> }>('/data/foundation/flowservice/connections')), []);
  const flows = useLoad(() => must(get<{ items: Array<{ id: string; name: string; state?: string; flowSpec?: { id: string }; created?: number }> }>('/data/foundation/flowservice/flows')), []);
  const runs = useLoad(async () => {
    const r = await get<{ items?: unknown[] }>('/data/foundation/flowservice/runs?limit=20');
    return r.ok ? r.data : null; // not on this server yet: the panel stays out
  }, []);
  const status = useLoad(() => must(get<any>('/data/foundation/kith/ingest/status')), []);
  return (
    <>
      <h1>Sources and dataflows</h1>
      <Panel title="Ingestion" wide>
        <Loaded state={status} what="the pipeline">
          {(s) => (
            <p>
              Log head {s.logHead}, lake at {s.lakeOffset}, profile at {s.downstreamOffset}: <Badge kind={s.backlog === 0 ? 'ok' : 'warn'}>{s.backlog === 0 ? 'caught up' : `${s.backlog} behind`}</Badge>
              {s.profileIngestion?.notIngested?.total ? ` · ${s.profileIngestion.notIngested.total} records not ingested to profile` : ''}
            </p>
          )}
        </Loaded>
      </Panel>
      <Panel title="Source connections" wide>
        <Loaded state={conns} what="connections">
          {(d) => <Table caption="Connections" rows={d.items} empty="No sources yet." columns={[{ label: 'Name', cell: (c) => c.name }, { label: 'Spec', cell: (c) => <code class="small">{c.connectionSpec?.id ?? '—'}</code> }, { label: 'Created', cell: (c) => time(c.createdAt ?? c.created) }, { label: 'Id', cell: (c) => <code class="small">{c.id}</code> }]} />}
        </Loaded>
      </Panel>
      <Panel title="Dataflows" wide>
        <Loaded state={flows} what="dataflows">
          {(d) => <Table caption="Dataflows" rows={d.items} empty="No dataflows." columns={[{ label: 'Name', cell: (f) => f.name }, { label: 'State', cell: (f) => <Badge kind={f.state === 'enabled' ? 'ok' : ''}>{f.state ?? '—'}</Badge> }, { label: 'Created', cell: (f) => time(f.created) }]} />}
        </Loaded>
      </Panel>
      {runs.data && (
        <Panel title="Flow runs" wide>
          <Json value={runs.data} label="Flow runs" />
        </Panel>
      )}
    </>
  );
}
