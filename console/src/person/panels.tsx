/**
 * The panels of the 360 page, in order. A new panel (a new API) is one entry here: it gets the person's identity and
 * what person-data.ts loaded, and may load more itself.
 */
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { audienceList, caDefinitions, get, journeyList, qs } from '../api';
import { Badge, Panel, Table, Notice, leaves, text, time, money } from '../ui';
import { modelTraitsOf, type PersonData } from './person-data';
import { EventsPanel } from './events-panel';

export interface PanelProps {
  ns: string;
  id: string;
  data: PersonData;
}

export const PANELS: Array<{ id: string; render: FunctionComponent<PanelProps> }> = [
  { id: 'audiences', render: Audiences },
  { id: 'computed', render: Computed },
  { id: 'events', render: EventsPanel },
  { id: 'traits', render: ModelTraits },
  { id: 'consent', render: Consent },
  { id: 'identities', render: Identities },
  { id: 'journeys', render: Journeys },
  { id: 'attributes', render: Attributes },
];

const HIDDEN = /^(segmentMembership|computedAttributes|identityMap|_id$|consents)/;

function Attributes({ data }: PanelProps) {
  const p = data.profile;
  if (!p) return null;
  const rows = leaves(p.entity).filter(([k]) => !HIDDEN.test(k));
  const sources = (p.sources ?? []).map((s) => data.datasets.get(s) ?? s);
  // provenance is keyed by the attribute's path; a value inside an array is sourced by its array
  const sourceOf = (path: string) => p.provenance?.[path] ?? p.provenance?.[path.replace(/\[\d+\].*$/, '')];
  return (
    <Panel title="Attributes" id="attributes" wide>
      <p class="muted small">
        Merged from {sources.length === 1 ? 'dataset ' : `${sources.length} datasets: `}
        {sources.join(', ') || '—'}; last change {time(p.lastModifiedAt)}. Each value shows the record it came from under this merge policy.
      </p>
      <Table
        caption="Merged attributes and where each value came from"
        rows={rows}
        columns={[
          { label: 'Attribute', cell: (r) => <code>{r[0]}</code> },
          { label: 'Value', cell: (r) => text(r[1]) },
          { label: 'Dataset', cell: (r) => { const s = sourceOf(r[0]); return s ? (data.datasets.get(s.datasetId) ?? s.datasetId) : '—'; } },
          { label: 'Identity', cell: (r) => <code class="small">{sourceOf(r[0])?.identity ?? '—'}</code> },
          { label: 'Event time', cell: (r) => time(sourceOf(r[0])?.eventTime), class: 'nowrap' },
        ]}
      />
    </Panel>
  );
}

function useList<T>(load: () => Promise<T[]>): T[] | undefined {
  const [v, setV] = useState<T[]>();
  useEffect(() => void load().then(setV), []);
  return v;
}

function Audiences({ data }: PanelProps) {
  const all = useList(audienceList);
  const ups = (data.profile?.entity.segmentMembership?.ups ?? {}) as Record<string, { status: string; lastQualificationTime?: string }>;
  const rows = Object.entries(ups).map(([id, m]) => ({ id, name: all?.find((a) => a.id === id)?.name ?? id, ...m }));
  rows.sort((a, b) => (a.status === b.status ? a.name.localeCompare(b.name) : a.status === 'realized' ? -1 : 1));
  return (
    <Panel title="Audiences" id="audiences">
      <Table
        caption="Audience memberships"
        rows={rows}
        empty="In no audience."
        columns={[
          { label: 'Audience', cell: (r) => r.name },
          { label: 'Status', cell: (r) => <Badge kind={r.status === 'realized' ? 'ok' : r.status === 'exited' ? 'off' : ''}>{r.status}</Badge> },
          { label: 'Since', cell: (r) => time(r.lastQualificationTime) },
        ]}
      />
    </Panel>
  );
}

function Computed({ data }: PanelProps) {
  const defs = useList(caDefinitions);
  const ca = (data.profile?.entity.computedAttributes ?? {}) as Record<string, unknown>;
  const rows = Object.entries(ca).map(([name, value]) => {
    const d = defs?.find((x) => x.name === name);
    return { name: d?.displayName ?? name, value, fn: d?.expression ? `${d.expression.function} ${d.expression.eventType ?? ''} ${d.expression.lookbackDays ?? ''}d` : '' };
  });
  return (
    <Panel title="Computed attributes" id="computed">
      <Table caption="Computed attributes" rows={rows} empty="No computed attributes." columns={[{ label: 'Name', cell: (r) => r.name }, { label: 'Value', cell: (r) => (typeof r.value === 'number' ? money(r.value) : text(r.value)) }, { label: 'Rule', cell: (r) => <span class="muted">{r.fn}</span> }]} />
    </Panel>
  );
}

function ModelTraits({ data }: PanelProps) {
  const traits = data.profile ? modelTraitsOf(data.profile.entity) : [];
  return (
    <Panel title="Model-based traits" id="traits">
      <Table
        caption="Model scores"
        rows={traits}
        empty="No model scores on this profile."
        columns={[
          { label: 'Trait', cell: (r) => <code>{r.path}</code> },
          { label: 'Score', cell: (r) => text(r.score) },
          { label: 'Scored', cell: (r) => time(r.scoredAt) },
          { label: 'Top factors', cell: (r) => r.factors.slice(0, 3).map((f) => `${f.name}${f.weight !== undefined ? ` (${text(f.weight)})` : ''}`).join(', ') || '—' },
        ]}
      />
    </Panel>
  );
}

function Identities({ ns, id, data }: PanelProps) {
  const [why, setWhy] = useState<{ to: string; text?: string; path?: any[]; error?: string }>();
  if (data.graphError) return <Panel title="Identity graph" id="identities"><Notice kind="warn">{data.graphError}</Notice></Panel>;
  const g = data.graph;
  if (!g) return null;
  const explain = async (m: { namespace: string; id: string }) => {
    setWhy({ to: `${m.namespace}:${m.id}` });
    const r = await get(`/data/core/identity/explain?${qs({ 'a.ns': ns, 'a.id': id, 'b.ns': m.namespace, 'b.id': m.id })}`);
    if (!r.ok) return setWhy({ to: `${m.namespace}:${m.id}`, error: r.error });
    setWhy({ to: `${m.namespace}:${m.id}`, path: r.data.path, text: r.data.sameGraph ? undefined : 'Not in the same graph' });
  };
  return (
    <Panel title="Identity graph" id="identities" wide>
      <Table
        caption="Identities of this person"
        rows={g.members}
        columns={[
          { label: 'Namespace', cell: (m) => m.namespace },
          { label: 'Identity', cell: (m) => <code>{m.id}</code> },
          { label: 'Last seen', cell: (m) => time(m.lastSeen), class: 'nowrap' },
          {
            label: 'Why one person?',
            cell: (m) =>
              m.namespace.toLowerCase() === ns.toLowerCase() && m.id === id ? (
                <span class="muted">searched</span>
              ) : (
                <button type="button" class="small" onClick={() => void explain(m)} aria-label={`Explain why ${m.namespace} ${m.id} is the same person`}>
                  Explain
                </button>
              ),
          },
        ]}
      />
      <p class="muted small">{g.edges.length} link{g.edges.length === 1 ? '' : 's'} between {g.members.length} identities.</p>
      {why && (
        <div class="explain" aria-live="polite">
          <h3>
            Why {ns}:{id} and {why.to} are one person
          </h3>
          {why.error && <Notice kind="error">{why.error}</Notice>}
          {why.text && <p>{why.text}</p>}
          {why.path && (
            <ol>
              {why.path.map((s: any) => (
                <li>
                  <code>
                    {s.from.namespace}:{s.from.id}
                  </code>{' '}
                  and{' '}
                  <code>
                    {s.to.namespace}:{s.to.id}
                  </code>{' '}
                  were seen together in {(s.datasets ?? []).map((x: string) => data.datasets.get(x) ?? x).join(', ') || 'a record'} (first {time(s.firstSeen)}, last {time(s.lastSeen)}
                  {s.lastRecord ? `, record ${s.lastRecord}` : ''}).
                </li>
              ))}
            </ol>
          )}
          {!why.path && !why.error && !why.text && <p class="muted">Asking the identity service…</p>}
        </div>
      )}
    </Panel>
  );
}

const CONSENT_LABEL: Record<string, string> = { y: 'yes', n: 'no', p: 'pending', u: 'unknown', dy: 'default yes', dn: 'default no', LI: 'legitimate interest', CT: 'contract', CP: 'compliance', VI: 'vital interest', PI: 'public interest' };

function Consent({ data }: PanelProps) {
  const c = data.profile?.entity.consents;
  const rows = c ? leaves(c).filter(([k]) => k.endsWith('.val') || k.endsWith('val')) : [];
  return (
    <Panel title="Consent" id="consent">
      <Table caption="Consent" rows={rows} empty="No consent recorded." columns={[{ label: 'Purpose', cell: (r) => <code>{r[0].replace(/\.val$/, '')}</code> }, { label: 'Choice', cell: (r) => <Badge kind={r[1] === 'y' ? 'ok' : r[1] === 'n' ? 'off' : ''}>{CONSENT_LABEL[String(r[1])] ?? text(r[1])}</Badge> }]} />
    </Panel>
  );
}

function Journeys({ data }: PanelProps) {
  const names = useList(journeyList);
  if (data.journeysError) return <Panel title="Journeys" id="journeys"><Notice kind="warn">{data.journeysError}</Notice></Panel>;
  const inst = data.journeys ?? [];
  return (
    <Panel title="Journeys" id="journeys" wide>
      {inst.length === 0 && <p class="muted">In no journey.</p>}
      {inst.map((j) => (
        <div class="journey">
          <h3>
            {j.journeyName ?? names?.find((n) => n.id === j.journeyId)?.name ?? j.journeyId} <Badge kind={j.status === 'running' || j.status === 'waiting' ? 'ok' : ''}>{j.status}</Badge>
          </h3>
          <p class="muted small">
            Entered {time(j.enteredAt)} · now at <code>{j.nodeId ?? '—'}</code>
            {j.endedAt ? ` · ended ${time(j.endedAt)}` : ''}
          </p>
          {(j.steps ?? []).length > 0 && (
            <ol class="steps">
              {(j.steps ?? []).map((s) => (
                <li>
                  <code>{s.nodeName ?? s.nodeId}</code> {s.nodeType ? `(${s.nodeType})` : ''} — {s.stepStatus} <span class="muted">{time(s.timestamp)}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
      ))}
    </Panel>
  );
}
