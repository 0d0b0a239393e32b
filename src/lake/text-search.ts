/**
 * Finding records that mention a value (the profile doctor looks for an identity in failed and not-ingested records):
 * a substring of the stored text, ASCII letters folded to lower case on both sides the same way on every adapter
 * (SQLite's lower() folds ASCII only; PostgreSQL uses translate() so its locale never decides).
 */
export const foldAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** PostgreSQL: `col` with ASCII letters folded to lower case (as foldAscii). */
export const pgFoldAscii = (col: string): string => `translate(${col}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;

/** Most rows a search answers (newest first). */
export const MAX_SEARCH_ROWS = 1000;

/** A needle no adapter can search for (empty or with NUL): the search answers nothing. */
export const unsearchable = (needle: string): boolean => needle === '' || needle.includes('\0');
