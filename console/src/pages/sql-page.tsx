import { useEffect, useRef, useState } from 'preact/hooks';
import { call, get, getSession, post, qs } from '../api';
import { Field, Notice, Panel, Table, text, val } from '../ui';

export interface QueryResult {
  id: string;
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, unknown>>;
  totalCount: number;
  elapsedMs?: number;
}

const ROWS = 100;

/**
 * Runs one statement on the Query Service's REST API (POST /queries, poll until it ends, read the first page of
 * rows). `onState` reports progress; an Error carries the server's words.
 */
export async function runQuery(sql: string, onState?: (state: string, ms: number) => void, signal?: AbortSignal): Promise<QueryResult> {
  const t0 = performance.now();
  const s = getSession()!;
  const q = await post<{ id: string }>('/data/foundation/query/queries', { dbName: `${s.sandbox}:all`, sql }, { signal });
  if (!q.ok) throw new Error(q.error);
  let wait = 50;
  for (;;) {
    const st = await get<{ state: string; errors?: Array<{ message?: string }>; elapsedTime?: number }>(`/data/foundation/query/queries/${q.data.id}`, { signal });
    if (!st.ok) throw new Error(st.error);
    onState?.(st.data.state, performance.now() - t0);
    if (st.data.state === 'SUCCESS') break;
    if (st.data.state === 'FAILED' || st.data.state === 'CANCELLED') throw new Error(st.data.errors?.map((e) => e.message).join('; ') || st.data.state);
    if (signal?.aborted) throw new Error('Cancelled');
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 1000);
  }
  const r = await get<{ columns: QueryResult['columns']; rows: QueryResult['rows']; _page: { totalCount?: number } }>(`/data/foundation/query/queries/${q.data.id}/results?${qs({ format: 'json', limit: ROWS })}`, { signal });
  if (!r.ok) throw new Error(r.error);
  return { id: q.data.id, columns: r.data.columns, rows: r.data.rows, totalCount: r.data._page.totalCount ?? r.data.rows.length, elapsedMs: performance.now() - t0 };
}

/** The SQL editor: run, watch it run, read the first rows, download everything as CSV. */
export function SqlPage() {
  const [sql, setSql] = useState('SHOW TABLES');
  const [state, setState] = useState<{ running?: string; result?: QueryResult; error?: string }>({});
  const [tables, setTables] = useState<string[]>([]);
  const ac = useRef<AbortController>();
  useEffect(() => {
    void runQuery('SHOW TABLES').then(
      (r) => setTables(r.rows.map((x) => String(Object.values(x)[0]))),
      () => {},
    );
  }, []);
  const run = async () => {
    ac.current?.abort();
    ac.current = new AbortController();
    setState({ running: 'SUBMITTED' });
    try {
      const result = await runQuery(sql, (s, ms) => setState({ running: `${s} · ${(ms / 1000).toFixed(1)} s` }), ac.current.signal);
      setState({ result });
    } catch (e) {
      setState({ error: (e as Error).message });
    }
  };
  const download = async (id: string) => {
    const r = await call<string>('GET', `/data/foundation/query/queries/${id}/results?format=csv`, { text: true });
    if (!r.ok) return setState((s) => ({ ...s, error: r.error }));
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([r.data], { type: 'text/csv' }));
    a.download = `query-${id}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  const res = state.result;
  return (
    <>
      <h1>SQL</h1>
      <Panel title="Query" wide>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          <Field label="SQL (DuckDB dialect over the sandbox's datasets)" hint="Ctrl+Enter runs it">
            <textarea
              name="sql"
              class="code"
              rows={6}
              value={sql}
              spellcheck={false}
              onInput={(e) => setSql(val(e))}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  void run();
                }
              }}
            />
          </Field>
          <div class="row">
            <button type="submit" class="primary" disabled={!!state.running}>
              Run
            </button>
            {tables.length > 0 && (
              <span class="muted small">
                Tables:{' '}
                {tables.map((t) => (
                  <button type="button" class="link small" onClick={() => setSql(`SELECT * FROM ${t} LIMIT 100`)}>
                    {t}
                  </button>
                ))}
              </span>
            )}
          </div>
        </form>
        {state.running && (
          <p role="status" aria-live="polite">
            Running: {state.running}
          </p>
        )}
        {state.error && <Notice kind="error">{state.error}</Notice>}
        {res && (
          <>
            <Notice kind="ok">
              {res.totalCount.toLocaleString()} row{res.totalCount === 1 ? '' : 's'} in {((res.elapsedMs ?? 0) / 1000).toFixed(2)} s{res.totalCount > res.rows.length ? `; the first ${res.rows.length} shown` : ''}.{' '}
              <button type="button" class="link" onClick={() => void download(res.id)}>
                Download CSV
              </button>
            </Notice>
            <Table caption="Query results" rows={res.rows} empty="No rows." columns={res.columns.map((c) => ({ label: c.name, cell: (r: Record<string, unknown>) => text(r[c.name]) }))} />
          </>
        )}
      </Panel>
    </>
  );
}
