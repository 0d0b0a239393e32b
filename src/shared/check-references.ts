import { ok, err, type Result } from './result.js';
import { badRequest, type Problem } from './problem.js';

/** One id a resource names: where it sits (`flows.sourceConnectionIds[0]`), what it must name, and how to find it. */
export interface Reference {
  field: string;
  /** What the id must name, for the message ("source connection", "dataset"). */
  what: string;
  id: unknown;
  /** True when the id names an existing resource of the caller's sandbox. */
  exists(id: string): Promise<boolean> | boolean;
  /** A further check once the target exists (e.g. a dataset of another schema): the problem text, or undefined. */
  fits?(id: string): Promise<string | undefined> | string | undefined;
}

const shown = (id: string) => (id.length > 200 ? `${id.slice(0, 200)}…` : id);

/**
 * Checks every reference in order; the first that is not a non-empty string naming a resource of the same sandbox
 * is a 400 naming the field and the id (`flows.sourceConnectionIds[0]: no source connection 'x' in this sandbox`).
 */
export async function checkReferences(refs: Iterable<Reference>): Promise<Result<void, Problem>> {
  for (const r of refs) {
    if (typeof r.id !== 'string' || r.id === '') return err(badRequest(`${r.field}: must be a ${r.what} id (a non-empty string)`));
    if (!(await r.exists(r.id))) return err(badRequest(`${r.field}: no ${r.what} '${shown(r.id)}' in this sandbox`));
    const misfit = await r.fits?.(r.id);
    if (misfit) return err(badRequest(`${r.field}: ${misfit}`));
  }
  return ok(undefined);
}
