/**
 * Path prefixes whose routes get their schemas on another branch (h/schemas-data): the whole-API tests skip them
 * until that branch is merged. The lead removes this list (and its uses) at merge.
 */
export const PENDING: string[] = [];

export const isPending = (path: string): boolean => PENDING.some((p) => path.toLowerCase().startsWith(p.toLowerCase()));
