import type { Result } from '../shared/result.js';
import { isInt, isText, isTextOrNull, type RowShape } from './transfer.js';

/**
 * Port for control-plane documents (schemas, datasets, batches, connections, credentials, ...).
 * A resource lives in a `scope`: a sandbox id for sandboxed data, or `org:<orgId>` for org-level data,
 * so nothing crosses sandboxes by construction. Every adapter must pass `resourceStoreContract`.
 */
export interface StoredResource<T = unknown> {
  kind: string;
  scope: string;
  id: string;
  doc: T;
  /** Starts at 1, +1 on every put. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface PutOptions {
  /** Optimistic concurrency: put fails with 'version-conflict' unless the stored version equals this (0 = must not exist). */
  expectedVersion?: number;
  /** A value that must be unique within (kind, scope), e.g. a lower-cased title; fails with 'unique-conflict'. */
  uniqueKey?: string | null;
}

export type PutError = 'version-conflict' | 'unique-conflict';

export interface ListOptions {
  limit?: number;
  /** Return resources whose id sorts after this id (paging cursor). */
  after?: string;
}

export interface ResourceStore {
  get<T>(kind: string, scope: string, id: string): Promise<StoredResource<T> | undefined>;
  /** Looks a resource up by its unique key. */
  getByUniqueKey<T>(kind: string, scope: string, uniqueKey: string): Promise<StoredResource<T> | undefined>;
  /** Lists resources of a kind in a scope, ordered by id. */
  list<T>(kind: string, scope: string, opts?: ListOptions): Promise<StoredResource<T>[]>;
  put<T>(kind: string, scope: string, id: string, doc: T, opts?: PutOptions): Promise<Result<StoredResource<T>, PutError>>;
  delete(kind: string, scope: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A resource as `kith export` writes it (every adapter's Transferable, store 'resources'). */
export interface ResourceRow {
  kind: string;
  scope: string;
  id: string;
  doc: unknown;
  version: number;
  uniqueKey: string | null;
  createdAt: number;
  updatedAt: number;
}

export const RESOURCE_ROW: RowShape = {
  kind: isText,
  scope: isText,
  id: isText,
  doc: (v) => v !== undefined,
  version: isInt,
  uniqueKey: isTextOrNull,
  createdAt: isInt,
  updatedAt: isInt,
};
