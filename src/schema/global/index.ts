import { BEHAVIORS, CLASSES, type GlobalResource } from './classes.js';
import { FIELD_GROUPS } from './field-groups.js';
import type { XedResource } from '../resolver.js';

/** A global resource in its stored ("xed") form, as the registry serves it. */
function toXed(g: GlobalResource): XedResource {
  const main: Record<string, unknown> = { properties: g.properties, ...(g.required ? { required: g.required } : {}) };
  return {
    $id: g.$id,
    'meta:altId': g['meta:altId'],
    'meta:resourceType': g['meta:resourceType'],
    version: '1.0',
    title: g.title,
    type: 'object',
    description: g.description,
    'meta:containerId': 'global',
    'meta:extensible': g['meta:resourceType'] !== 'behaviors',
    'meta:abstract': true,
    ...(g['meta:intendedToExtend'] ? { 'meta:intendedToExtend': g['meta:intendedToExtend'] } : {}),
    ...(g.behavior ? { 'meta:extends': g['meta:extends'] ?? [g.behavior] } : g['meta:extends'] ? { 'meta:extends': g['meta:extends'] } : {}),
    definitions: { main },
    allOf: [{ $ref: '#/definitions/main' }],
    ...(g.behavior ? { 'meta:behavior': g.behavior } : {}),
  };
}

export const GLOBAL_RESOURCES: XedResource[] = [...BEHAVIORS, ...CLASSES, ...FIELD_GROUPS].map(toXed);

const byKey = new Map<string, XedResource>();
for (const r of GLOBAL_RESOURCES) {
  byKey.set(r.$id, r);
  byKey.set(r['meta:altId'], r);
}

export function globalResource(idOrAltId: string): XedResource | undefined {
  return byKey.get(idOrAltId);
}

export function globalOfType(type: string): XedResource[] {
  return GLOBAL_RESOURCES.filter((r) => r['meta:resourceType'] === type);
}
