/**
 * The XDM class names Profile's `schema.name` / `relatedSchema.name` take. AEP's docs spell them with a leading
 * underscore (`_xdm.context.profile`); Adobe's own Node SDK (@adobe/aio-lib-customer-profile) sends
 * `xdm.context.experienceevent`, and AEP answers both, so both spellings name the same class here.
 */
export const PROFILE_CLASS = '_xdm.context.profile';
export const EVENT_CLASS = '_xdm.context.experienceevent';

const ALIASES: ReadonlyMap<string, string> = new Map([
  ['xdm.context.profile', PROFILE_CLASS],
  ['xdm.context.experienceevent', EVENT_CLASS],
]);

/** Every accepted spelling, for route schemas that enumerate `schema.name`. */
export const SCHEMA_NAME_SPELLINGS: readonly string[] = [PROFILE_CLASS, EVENT_CLASS, ...ALIASES.keys()];

/** The canonical (underscored) name for either spelling; anything else is returned unchanged. */
export function canonicalSchemaName<T>(name: T): T | string {
  return typeof name === 'string' ? (ALIASES.get(name) ?? name) : name;
}
