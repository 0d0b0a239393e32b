import { useState } from 'preact/hooks';
import { useLoad } from '../api';
import { href, navigate } from '../router';
import { Field, Loading, Notice, time, val } from '../ui';
import { personLoad } from './person-data';
import { PANELS } from './panels';

/** The 360 page of one person: who they are, what they did, where they belong. Panels come from panels.tsx. */
export function PersonPage(p: { query: URLSearchParams }) {
  const ns = p.query.get('ns') ?? '';
  const id = p.query.get('id') ?? '';
  const mp = p.query.get('mp') ?? undefined;
  const state = useLoad((signal) => personLoad(ns, id, mp, signal), [ns, id, mp]);
  const [settled] = useState(() => performance.now());
  if (!ns || !id) return <Notice kind="error">Give a namespace and an identity (search first).</Notice>;
  if (state.error) return <Notice kind="error">{state.error}</Notice>;
  if (!state.data) return <Loading what="the customer" />;
  const d = state.data;
  const e = d.profile?.entity ?? {};
  const name = [e.person?.name?.firstName, e.person?.name?.lastName].filter(Boolean).join(' ');
  return (
    <div class="person" data-ready="true" data-settled-ms={Math.round(performance.now() - settled)}>
      <div class="person-head">
        <div>
          <h1>{name || id}</h1>
          <p class="muted">
            {ns}: {id}
            {e.personalEmail?.address && e.personalEmail.address !== id ? ` · ${e.personalEmail.address}` : ''}
            {e.mobilePhone?.number ? ` · ${e.mobilePhone.number}` : ''}
            {e.homeAddress?.city ? ` · ${e.homeAddress.city}` : ''}
            {e.loyalty?.tier ? ` · ${e.loyalty.tier} member` : ''}
          </p>
          {d.profile && <p class="muted small">Profile updated {time(d.profile.lastModifiedAt)}</p>}
        </div>
        <Field label="Merge policy">
          <select value={d.profile?.mergePolicy?.id ?? mp ?? ''} onChange={(ev) => navigate('/person', { ns, id, mp: val(ev) })}>
            {d.policies.map((x) => (
              <option value={x.id}>
                {x.name}
                {x.default ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {d.profileError && (
        <Notice kind="warn">
          {d.profileError}. <a href={href('/doctor', { ns, id })}>Ask the profile doctor why</a>
        </Notice>
      )}
      <div class="panels">
        {PANELS.map((panel) => (
          <panel.render key={panel.id} ns={ns} id={id} data={d} />
        ))}
      </div>
    </div>
  );
}
