import { useState } from 'preact/hooks';
import { datasetNames, get, must, post, qs, useLoad } from '../api';
import { Json, Loaded, Notice, Panel, Table, time } from '../ui';

interface FailedRecord {
  id: string;
  datasetId: string;
  batchId?: string;
  code?: string;
  reason: string;
  createdAt: number;
  payload?: unknown;
}

const PAGE = 25;

function RecordList(p: { title: string; base: string; replayNote: string; result: (d: any) => string }) {
  const [starts, setStarts] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<string>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error' | 'info'; text: string }>();
  const [busy, setBusy] = useState(false);
  const start = starts[starts.length - 1];
  const names = useLoad(() => datasetNames(), []);
  const list = useLoad(() => must(get<{ records: FailedRecord[]; _page: { next: string | null } }>(`${p.base}?${qs({ limit: PAGE, start })}`)), [start]);
  const replay = async (ids: string[]) => {
    setBusy(true);
    setMessage({ kind: 'info', text: `Replaying ${ids.length} record${ids.length === 1 ? '' : 's'}…` });
    const r = await post(`${p.base}/replay`, { ids });
    setBusy(false);
    setMessage(r.ok ? { kind: 'ok', text: p.result(r.data) } : { kind: 'error', text: r.error ?? 'Replay failed' });
    setSelected(new Set());
    list.reload();
  };
  const toggle = (id: string, on: boolean) => {
    const s = new Set(selected);
    if (on) s.add(id);
    else s.delete(id);
    setSelected(s);
  };
  return (
    <Panel
      title={p.title}
      wide
      actions={
        <button type="button" class="primary" disabled={busy || selected.size === 0} onClick={() => void replay([...selected])}>
          Replay selected ({selected.size})
        </button>
      }
    >
      <p class="muted small">{p.replayNote}</p>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <Loaded state={list} what="records">
        {(d) => (
          <>
            <Table
              caption={p.title}
              rows={d.records}
              rowKey={(r) => r.id}
              empty="None: every record made it."
              columns={[
                {
                  label: 'Select',
                  cell: (r) => (
                    <input type="checkbox" checked={selected.has(r.id)} onChange={(e) => toggle(r.id, e.currentTarget.checked)} aria-label={`Select record ${r.id}`} />
                  ),
                },
                { label: 'When', cell: (r) => time(r.createdAt), class: 'nowrap' },
                { label: 'Dataset', cell: (r) => names.data?.get(r.datasetId) ?? r.datasetId },
                { label: 'Reason', cell: (r) => <><code>{r.code}</code> {r.reason}</> },
                {
                  label: 'Record',
                  cell: (r) => (
                    <button type="button" class="small" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? undefined : r.id)}>
                      {open === r.id ? 'Hide' : 'Show'}
                    </button>
                  ),
                },
              ]}
            />
            {open && <Json value={d.records.find((r) => r.id === open)?.payload} label="Record payload" />}
            <nav class="pager" aria-label={`${p.title} pages`}>
              <button type="button" disabled={starts.length === 0} onClick={() => setStarts(starts.slice(0, -1))}>
                Previous
              </button>
              <button type="button" disabled={!d._page.next} onClick={() => setStarts([...starts, d._page.next!])}>
                Next
              </button>
            </nav>
          </>
        )}
      </Loaded>
    </Panel>
  );
}

/** Failed records (validation) and records not ingested to profile, each with replay. */
export function FailedPage() {
  return (
    <>
      <h1>Failed records</h1>
      <RecordList
        title="Failed records"
        base="/data/foundation/kith/failed-records"
        replayNote="Records the lake refused, with the reason. Replay sends them through validation again (after a schema fix); those that fail again come back here."
        result={(d) => `Replayed ${d.replayed} record${d.replayed === 1 ? '' : 's'}${d.skipped ? `, skipped ${d.skipped} (no original payload)` : ''}. They are validated again now.`}
      />
      <RecordList
        title="Not ingested to profile"
        base="/data/foundation/kith/not-ingested-to-profile"
        replayNote="Records that reached the lake but not the profile (no usable identity). Replay runs them through the identity and profile steps again."
        result={(d) => `Replayed ${d.replayed}: ${d.ingested} ingested to profile, ${d.notIngested} still not, ${d.skipped} skipped.`}
      />
    </>
  );
}
