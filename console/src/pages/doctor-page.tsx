import { useState } from 'preact/hooks';
import { get, namespaceList, qs, useLoad } from '../api';
import { navigate } from '../router';
import { Field, Json, Loaded, Notice, Panel, val } from '../ui';

/**
 * The profile doctor: why a person has no profile, or looks wrong. Shows whatever
 * `GET /data/foundation/kith/doctor/profile?entityId=&entityIdNS=` answers; a server without it says so.
 */
export function DoctorPage(p: { query: URLSearchParams }) {
  const ns = p.query.get('ns') ?? 'Email';
  const id = p.query.get('id') ?? '';
  const [value, setValue] = useState(id);
  const [namespace, setNamespace] = useState(ns);
  const namespaces = useLoad(() => namespaceList(), []);
  const report = useLoad(async () => {
    if (!id) return undefined;
    const r = await get(`/data/foundation/kith/doctor/profile?${qs({ entityId: id, entityIdNS: ns })}`);
    const missing = r.status === 404 && typeof r.data === 'object' && String((r.data as any)?.type ?? '').includes('route-not-found');
    return { ...r, missing };
  }, [ns, id]);
  return (
    <>
      <h1>Profile doctor</h1>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('/doctor', { ns: namespace, id: value.trim() });
        }}
      >
        <Field label="Identity">
          <input required value={value} onInput={(e) => setValue(val(e))} />
        </Field>
        <Field label="Namespace">
          <select value={namespace} onChange={(e) => setNamespace(val(e))}>
            {(namespaces.data ?? [{ code: ns, name: ns }]).map((n) => (
              <option value={n.code}>{n.code}</option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary">
          Diagnose
        </button>
      </form>
      {id && (
        <Loaded state={report} what="the diagnosis">
          {(r) =>
            r &&
            (r.missing ? (
              <Notice kind="warn">This server has no profile doctor yet (GET /data/foundation/kith/doctor/profile). Check failed records and records not ingested to profile meanwhile.</Notice>
            ) : (
              <Panel title={`Diagnosis of ${ns}:${id}`} wide>
                {!r.ok && <Notice kind="error">{r.error}</Notice>}
                {r.data !== undefined && <Json value={r.data} label="Doctor's report" />}
              </Panel>
            ))
          }
        </Loaded>
      )}
    </>
  );
}
