/** Shared pieces: panels, tables that scroll on a phone, notices, pagers, value formatting. */
import type { ComponentChildren, JSX } from 'preact';

export function Panel(p: { title: string; id?: string; actions?: ComponentChildren; children: ComponentChildren; wide?: boolean }) {
  const hid = `${p.id ?? p.title.toLowerCase().replace(/\W+/g, '-')}-h`;
  return (
    <section class={`panel${p.wide ? ' wide' : ''}`} aria-labelledby={hid} id={p.id}>
      <div class="panel-head">
        <h2 id={hid}>{p.title}</h2>
        {p.actions && <div class="panel-actions">{p.actions}</div>}
      </div>
      {p.children}
    </section>
  );
}

export interface Column<R> {
  label: string;
  cell: (r: R) => ComponentChildren;
  class?: string;
}

/** A table in a focusable scroll region (keyboard users can scroll it on a narrow screen). */
export function Table<R>(p: { caption: string; columns: Array<Column<R>>; rows: R[]; empty?: string; rowKey?: (r: R, i: number) => string | number }) {
  if (p.rows.length === 0) return <p class="muted">{p.empty ?? 'Nothing here yet.'}</p>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={p.caption}>
      <table>
        <caption class="sr-only">{p.caption}</caption>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th scope="col" class={c.class}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r, i) => (
            <tr key={p.rowKey ? p.rowKey(r, i) : i}>
              {p.columns.map((c) => (
                <td class={c.class} data-label={c.label}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Notice(p: { kind?: 'info' | 'ok' | 'error' | 'warn'; children: ComponentChildren }) {
  const kind = p.kind ?? 'info';
  return (
    <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {p.children}
    </div>
  );
}

export function Loading(p: { what?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      Loading{p.what ? ` ${p.what}` : ''}…
    </p>
  );
}

/** What a load gave: its error, a loading line, or the content. */
export function Loaded<T>(p: { state: { data?: T; error?: string; loading: boolean }; what?: string; children: (d: T) => ComponentChildren }) {
  if (p.state.error) return <Notice kind="error">{p.state.error}</Notice>;
  if (p.state.data === undefined) return <Loading what={p.what} />;
  return <>{p.children(p.state.data)}</>;
}

export function Pager(p: { page: number; hasNext: boolean; onPage: (page: number) => void; label: string }) {
  return (
    <nav class="pager" aria-label={`${p.label} pages`}>
      <button type="button" disabled={p.page === 0} onClick={() => p.onPage(p.page - 1)}>
        Previous
      </button>
      <span>Page {p.page + 1}</span>
      <button type="button" disabled={!p.hasNext} onClick={() => p.onPage(p.page + 1)}>
        Next
      </button>
    </nav>
  );
}

export function Field(p: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span>{p.label}</span>
      {p.children}
      {p.hint && <small class="muted">{p.hint}</small>}
    </label>
  );
}

export function Badge(p: { kind?: string; children: ComponentChildren }) {
  return <span class={`badge ${p.kind ?? ''}`}>{p.children}</span>;
}

export function Json(p: { value: unknown; label?: string }) {
  return (
    <pre class="json" tabIndex={0} aria-label={p.label ?? 'JSON'}>
      {JSON.stringify(p.value, null, 2)}
    </pre>
  );
}

export const time = (v: unknown): string => {
  if (v === undefined || v === null || v === '') return '—';
  const d = typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v) : new Date(String(v));
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
};

export const money = (v: unknown, currency?: string): string =>
  typeof v === 'number' ? `${v.toLocaleString('en-US', { maximumFractionDigits: 2 })}${currency ? ` ${currency}` : ''}` : '—';

export const text = (v: unknown): string => (v === undefined || v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Leaves of a nested object as [dotted path, value] (arrays of scalars kept whole). */
export function leaves(o: unknown, prefix = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(o) && o.some((x) => x && typeof x === 'object')) {
    o.forEach((x, i) => leaves(x, `${prefix}[${i}]`, out));
  } else out.push([prefix, o]);
  return out;
}

export type InputEvent = JSX.TargetedEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, Event>;
export const val = (e: InputEvent) => e.currentTarget.value;
