/**
 * The transaction status byte of ReadyForQuery, tracked by the wire (the engine accepts transaction statements and
 * does nothing): 'T' inside BEGIN…COMMIT, 'E' after an error inside it (until ROLLBACK/COMMIT), 'I' otherwise.
 */
import type { TxStatus } from './backend-messages.js';

export type TxEffect = 'begin' | 'end' | 'rollback-to' | 'none';

/** What a statement does to the transaction block, from its leading keywords. */
export function transactionEffect(sql: string): TxEffect {
  const words = sql
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .trim()
    .toLowerCase()
    .split(/\s+/, 6);
  const first = words[0]?.replace(/;$/, '');
  if (first === 'begin' || (first === 'start' && words[1]?.startsWith('transaction'))) return 'begin';
  if (first === 'rollback' || first === 'abort') return words.slice(1).includes('to') ? 'rollback-to' : 'end';
  if (first === 'commit' || first === 'end') return words[1] === 'prepared' ? 'none' : 'end';
  return 'none';
}

/** The status after a statement with this effect completed. */
export function afterSuccess(status: TxStatus, effect: TxEffect): TxStatus {
  if (effect === 'begin') return 'T';
  if (effect === 'end') return 'I';
  if (effect === 'rollback-to') return status === 'I' ? 'I' : 'T';
  return status;
}

/** The status after an error: a failed transaction block until it ends. */
export const afterError = (status: TxStatus): TxStatus => (status === 'I' ? 'I' : 'E');

/** In a failed block only statements that end it (or roll back to a savepoint) may run. */
export const allowedWhenFailed = (effect: TxEffect): boolean => effect === 'end' || effect === 'rollback-to';
