import type { Violation } from '../../../schema/schema-lookup.js';

/** What a processing step returns: data, never an exception. */
export type StepResult<T> =
  | { type: 'ok'; value: T }
  | { type: 'drop'; reason: string }
  | { type: 'deadLetter'; code: string; reason: string; violations?: Violation[] };

export const okStep = <T>(value: T): StepResult<T> => ({ type: 'ok', value });
export const dropStep = (reason: string): StepResult<never> => ({ type: 'drop', reason });
export const deadLetter = (code: string, reason: string, violations?: Violation[]): StepResult<never> => ({ type: 'deadLetter', code, reason, violations });
