import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs, type ApiResult } from '../api';
import { Field, Notice, Panel, Table, money, time, val } from '../ui';
import type { PanelProps } from './panels';

const PAGE = 25;

interface EventChild {
  entityId: string;
  timestamp: number;
  entity: Record<string, any>;
}

/** The URL of a page of a person's events (newest first, optionally one type). */
export const eventsUrl = (ns: string, id: string, type: string, start?: string) =>
  `/data/core/ups/access/entities?${qs({ 'schema.name': '_xdm.context.experienceevent', 'relatedSchema.name': '_xdm.context.profile', relatedEntityId: id, relatedEntityIdNS: ns, orderby: '-timestamp', limit: PAGE, start, property: type ? `eventType=${type}` : undefined })}`;

/** The first page, requested with the profile (person-data.ts) so the page loads in one round of calls. */
const prefetched = new Map<string, Promise<ApiResult<EventsPage>>>();
export function prefetchEvents(ns: string, id: string): void {
  const url = eventsUrl(ns, id, '');
  prefetched.set(url, get<EventsPage>(url));
}
const fetchEvents = (url: string) => {
  const p = prefetched.get(url);
  prefetched.delete(url);
  return p ?? get<EventsPage>(url);
};

interface EventsPage {
  children: EventChild[];
  _page: { next?: string };
}

const TYPES = ['commerce.purchases', 'commerce.productViews', 'commerce.productListAdds', 'web.webpagedetails.pageViews'];

/** One line of what an event was: the page, the products, or the order and its total. */
export function summary(e: Record<string, any>): string {
  const items = (e.productListItems ?? []) as Array<{ name?: string; SKU?: string; quantity?: number }>;
  const products = items.map((i) => `${i.name ?? i.SKU}${i.quantity && i.quantity > 1 ? ` ×${i.quantity}` : ''}`).join(', ');
  if (e.commerce?.order) return `Order ${e.commerce.order.purchaseID ?? ''} · ${money(e.commerce.order.priceTotal, e.commerce.order.currencyCode)}${products ? ` · ${products}` : ''}`;
  if (e.web?.webPageDetails) return `${e.web.webPageDetails.name ?? ''} ${e.web.webPageDetails.URL ?? ''}`.trim();
  if (products) return products;
  return '';
}

/** The person's events, newest first, by type, a page at a time (the profile API's own paging). */
export function EventsPanel({ ns, id }: PanelProps) {
  const [type, setType] = useState('');
  const [pages, setPages] = useState<{ rows: EventChild[]; next?: string; loading: boolean; error?: string }>({ rows: [], loading: true });
  const seq = useRef(0);
  const load = async (start: string | undefined, keep: EventChild[]) => {
    const mine = ++seq.current; // a newer load (another type) wins over a slower older one
    setPages({ rows: keep, loading: true });
    const r = await fetchEvents(eventsUrl(ns, id, type, start));
    if (mine !== seq.current) return;
    if (!r.ok) return setPages({ rows: keep, loading: false, error: r.status === 404 ? undefined : r.error });
    setPages({ rows: [...keep, ...r.data.children], next: r.data._page.next || undefined, loading: false });
  };
  useEffect(() => void load(undefined, []), [type, ns, id]);
  const orders = pages.rows.filter((r) => r.entity.commerce?.order);
  const total = orders.reduce((s, r) => s + (Number(r.entity.commerce.order.priceTotal) || 0), 0);
  return (
    <Panel
      title="Events"
      id="events"
      wide
      actions={
        <Field label="Type">
          <select value={type} onChange={(e) => setType(val(e))}>
            <option value="">All events</option>
            {TYPES.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </Field>
      }
    >
      {pages.error && <Notice kind="error">{pages.error}</Notice>}
      {orders.length > 0 && (
        <p class="muted small">
          {orders.length} order{orders.length === 1 ? '' : 's'} shown, {money(total, orders[0]!.entity.commerce.order.currencyCode)} in total.
        </p>
      )}
      <Table
        caption="Events, newest first"
        rows={pages.rows}
        rowKey={(r) => r.entityId}
        empty={pages.loading ? 'Loading events…' : 'No events.'}
        columns={[
          { label: 'When', cell: (r) => time(r.timestamp), class: 'nowrap' },
          { label: 'Type', cell: (r) => <code>{r.entity.eventType ?? '—'}</code> },
          { label: 'What', cell: (r) => summary(r.entity) },
        ]}
      />
      {pages.next && (
        <button type="button" disabled={pages.loading} onClick={() => void load(pages.next, pages.rows)}>
          {pages.loading ? 'Loading…' : 'Older events'}
        </button>
      )}
    </Panel>
  );
}
