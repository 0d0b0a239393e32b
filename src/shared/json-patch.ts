import { ok, err, type Result } from './result.js';

export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

const decode = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function parsePointer(p: string): string[] | undefined {
  if (p === '') return [];
  if (!p.startsWith('/')) return undefined;
  return p.slice(1).split('/').map(decode);
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** RFC 6902 JSON Patch (add, remove, replace, move, copy, test) on a deep copy; errors as values. */
export function applyJsonPatch(doc: unknown, ops: unknown[]): Result<unknown, string> {
  let root = clone(doc);
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i] as PatchOp;
    if (typeof o !== 'object' || o === null || typeof o.op !== 'string' || typeof o.path !== 'string') return err(`patch operation ${i} must have "op" and "path"`);
    const path = parsePointer(o.path);
    if (!path) return err(`patch operation ${i}: invalid path "${o.path}"`);
    const getParent = (p: string[]): { parent: unknown; key: string } | undefined => {
      let cur: unknown = root;
      for (const seg of p.slice(0, -1)) {
        if (Array.isArray(cur)) cur = cur[Number(seg)];
        else if (typeof cur === 'object' && cur !== null) cur = (cur as Record<string, unknown>)[seg];
        else return undefined;
        if (cur === undefined) return undefined;
      }
      return { parent: cur, key: p[p.length - 1]! };
    };
    const getAt = (p: string[]): unknown => {
      let cur: unknown = root;
      for (const seg of p) {
        if (Array.isArray(cur)) cur = cur[Number(seg)];
        else if (typeof cur === 'object' && cur !== null) cur = (cur as Record<string, unknown>)[seg];
        else return undefined;
      }
      return cur;
    };
    const remove = (p: string[]): Result<unknown, string> => {
      const pk = getParent(p);
      if (!pk) return err(`patch operation ${i}: path "${o.path}" does not exist`);
      const { parent, key } = pk;
      if (Array.isArray(parent)) {
        const idx = Number(key);
        if (!Number.isInteger(idx) || idx < 0 || idx >= parent.length) return err(`patch operation ${i}: index ${key} out of range`);
        return ok(parent.splice(idx, 1)[0]);
      }
      if (typeof parent !== 'object' || parent === null || !(key in parent)) return err(`patch operation ${i}: path "${o.path}" does not exist`);
      const v = (parent as Record<string, unknown>)[key];
      delete (parent as Record<string, unknown>)[key];
      return ok(v);
    };
    const add = (p: string[], value: unknown): Result<void, string> => {
      if (p.length === 0) {
        root = clone(value);
        return ok(undefined);
      }
      const pk = getParent(p);
      if (!pk) return err(`patch operation ${i}: parent of "${o.path}" does not exist`);
      const { parent, key } = pk;
      if (Array.isArray(parent)) {
        const idx = key === '-' ? parent.length : Number(key);
        if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) return err(`patch operation ${i}: index ${key} out of range`);
        parent.splice(idx, 0, clone(value));
        return ok(undefined);
      }
      if (typeof parent !== 'object' || parent === null) return err(`patch operation ${i}: parent of "${o.path}" is not an object`);
      (parent as Record<string, unknown>)[key] = clone(value);
      return ok(undefined);
    };
    switch (o.op) {
      case 'add': {
        if (!('value' in o)) return err(`patch operation ${i}: "add" needs a value`);
        const r = add(path, o.value);
        if (!r.ok) return r;
        break;
      }
      case 'remove': {
        const r = remove(path);
        if (!r.ok) return r;
        break;
      }
      case 'replace': {
        if (!('value' in o)) return err(`patch operation ${i}: "replace" needs a value`);
        if (path.length > 0) {
          // lenient: replacing a missing key of an object adds it (clients use replace for first values)
          const pk = getParent(path);
          const missingKey = pk && !Array.isArray(pk.parent) && typeof pk.parent === 'object' && pk.parent !== null && !(pk.key in pk.parent);
          if (!missingKey) {
            const r = remove(path);
            if (!r.ok) return r;
          }
        }
        const a = add(path, o.value);
        if (!a.ok) return a;
        break;
      }
      case 'move':
      case 'copy': {
        const from = typeof o.from === 'string' ? parsePointer(o.from) : undefined;
        if (!from) return err(`patch operation ${i}: "${o.op}" needs a valid "from"`);
        const v = o.op === 'move' ? remove(from) : ok(clone(getAt(from)));
        if (!v.ok) return v;
        if (v.value === undefined) return err(`patch operation ${i}: "from" path does not exist`);
        const a = add(path, v.value);
        if (!a.ok) return a;
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(path)) !== JSON.stringify(o.value)) return err(`patch operation ${i}: test failed at "${o.path}"`);
        break;
      default:
        return err(`patch operation ${i}: unknown op "${o.op}"`);
    }
  }
  return ok(root);
}
