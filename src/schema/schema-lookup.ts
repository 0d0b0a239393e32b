/**
 * What other contexts (catalog, ingest, identity, profile) need from the Schema Registry.
 * Implemented by the registry service; consumers depend on this interface only.
 */

/** everit-json-schema style violation (AEP's streaming validation report shape). */
export interface Violation {
  schemaLocation: string;
  pointerToViolation: string;
  causingExceptions: Violation[];
  keyword?: string;
  message: string;
}

export type ValidationOutcome = { valid: true } | { valid: false; violations: Violation[] };

export interface RecordValidator {
  /** Validates one XDM record/event (runtime notation, e.g. `identityMap`, `_id`, `_<tenant>.field`). */
  validate(record: unknown): ValidationOutcome;
}

export interface SchemaInfo {
  /** `$id`, e.g. https://ns.adobe.com/<tenant>/schemas/<hex> */
  id: string;
  /** `meta:altId`, e.g. _<tenant>.schemas.<hex> */
  altId: string;
  title: string;
  /** `meta:class`: https://ns.adobe.com/xdm/context/profile or .../experienceevent or a custom class. */
  classId: string;
  behavior: 'record' | 'time-series' | 'adhoc';
  /** Has the `union` immutable tag (profile-enabled). */
  union: boolean;
  version: string;
}

export interface IdentityDescriptorInfo {
  /** `xdm:sourceProperty` split into segments, e.g. ['personalEmail','address']. */
  path: string[];
  /** Namespace code as written in the descriptor (`xdm:namespace`), e.g. "Email". */
  namespace: string;
  isPrimary: boolean;
}

export interface SchemaLookup {
  /** Finds a schema (tenant or global) by `$id` or `meta:altId`. */
  getSchema(sandboxId: string, idOrAltId: string): Promise<SchemaInfo | undefined>;
  /** Compiled validator (cached; invalidated when the schema or anything it references changes). */
  validator(sandboxId: string, schemaId: string): Promise<RecordValidator | undefined>;
  /** Identity descriptors whose `xdm:sourceSchema` is this schema. */
  identityDescriptors(sandboxId: string, schemaId: string): Promise<IdentityDescriptorInfo[]>;
  /** Catalog calls this once a dataset of the schema holds data: from then on only additive changes are allowed. */
  markInUse(sandboxId: string, schemaId: string): Promise<void>;
}
