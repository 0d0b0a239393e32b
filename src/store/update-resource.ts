import { err, ok, type Result } from '../shared/result.js';
import type { ResourceStore } from './resource-store.js';

/** Why an update did not happen: the document is gone, its unique key is taken, or other writers kept winning. */
export type UpdateError = 'not-found' | 'unique-conflict' | 'busy';

/**
 * Compare-and-set of one stored document: `change` runs on the latest version and its answer is written only if
 * nobody wrote in between (several threads write the control plane: the API, the processor); else it runs again on
 * the newer version, at most `attempts` times. `change` answers ok(undefined) to leave the document as it is, or an
 * error of its own, which is returned as is.
 */
export async function updateResource<T, E>(
  store: ResourceStore,
  kind: string,
  scope: string,
  id: string,
  change: (cur: T) => Promise<Result<T | undefined, E>> | Result<T | undefined, E>,
  opts: { uniqueKey?: (next: T) => string | null; attempts?: number } = {},
): Promise<Result<T | undefined, E | UpdateError>> {
  for (let attempt = 1; ; attempt++) {
    const stored = await store.get<T>(kind, scope, id);
    if (!stored) return err('not-found');
    const r = await change(stored.doc);
    if (!r.ok || r.value === undefined) return r;
    const next = r.value;
    const put = await store.put(kind, scope, id, next, { expectedVersion: stored.version, ...(opts.uniqueKey ? { uniqueKey: opts.uniqueKey(next) } : {}) });
    if (put.ok) return ok(next);
    if (put.error === 'unique-conflict') return err('unique-conflict');
    if (attempt >= (opts.attempts ?? 10)) return err('busy');
  }
}
