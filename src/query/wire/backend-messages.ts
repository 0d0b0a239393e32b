import { Writer } from 'pg-protocol/dist/buffer-writer.js';
import type { ColumnDesc, SqlError } from '../engine/query-engine.js';

/**
 * Backend (server → client) messages of the PostgreSQL v3 protocol, framed and ready for the socket.
 * DataRow frames come pre-encoded from the engine; everything else is built here.
 */

export type TxStatus = 'I' | 'T' | 'E';
export type Severity = 'ERROR' | 'FATAL';

const frame = (code: string, fill?: (w: Writer) => void): Buffer => {
  const w = new Writer();
  fill?.(w);
  return w.flush(code.charCodeAt(0));
};

export const authenticationOk = (): Buffer => frame('R', (w) => w.addInt32(0));
export const authenticationCleartextPassword = (): Buffer => frame('R', (w) => w.addInt32(3));
export const parameterStatus = (name: string, value: string): Buffer => frame('S', (w) => w.addCString(name).addCString(value));
export const backendKeyData = (pid: number, secret: number): Buffer => frame('K', (w) => w.addInt32(pid).addInt32(secret));
export const readyForQuery = (status: TxStatus): Buffer => frame('Z', (w) => w.addString(status));
export const parseComplete = (): Buffer => frame('1');
export const bindComplete = (): Buffer => frame('2');
export const closeComplete = (): Buffer => frame('3');
export const noData = (): Buffer => frame('n');
export const portalSuspended = (): Buffer => frame('s');
export const emptyQueryResponse = (): Buffer => frame('I');
export const commandComplete = (tag: string): Buffer => frame('C', (w) => w.addCString(tag));

export const parameterDescription = (oids: number[]): Buffer =>
  frame('t', (w) => {
    w.addInt16(oids.length);
    // OIDs are unsigned 32-bit: written as their int32 bit pattern
    for (const o of oids) w.addInt32(o | 0);
  });

/** `formats`: one per column, as Bind's result format codes resolve (0 text, 1 binary). */
export const rowDescription = (columns: ColumnDesc[], formats: number[] = []): Buffer =>
  frame('T', (w) => {
    w.addInt16(columns.length);
    columns.forEach((c, i) => {
      w.addCString(c.name).addInt32(0).addInt16(0).addInt32(c.typeOid | 0).addInt16(c.typeSize).addInt32(c.typeModifier).addInt16(formats[i] ?? 0);
    });
  });

/** The per-column format codes a Bind's result-format list means ([] all text, [f] all f, else one each). */
export function columnFormats(resultFormats: number[], count: number): number[] {
  if (resultFormats.length === 0) return new Array<number>(count).fill(0);
  if (resultFormats.length === 1) return new Array<number>(count).fill(resultFormats[0]!);
  return resultFormats;
}

const fields = (severity: Severity | 'NOTICE', e: SqlError): Array<[string, string]> => {
  const f: Array<[string, string]> = [
    ['S', severity],
    ['V', severity],
    ['C', e.code],
    ['M', e.message],
  ];
  if (e.detail !== undefined) f.push(['D', e.detail]);
  if (e.hint !== undefined) f.push(['H', e.hint]);
  if (e.position !== undefined) f.push(['P', String(e.position)]);
  return f;
};

const fieldFrame = (code: 'E' | 'N', list: Array<[string, string]>): Buffer =>
  frame(code, (w) => {
    // a NUL inside a field would end it early on the client: drop it
    for (const [k, v] of list) w.addString(k).addCString(v.replaceAll('\0', ''));
    w.addCString('');
  });

export const errorResponse = (e: SqlError, severity: Severity = 'ERROR'): Buffer => fieldFrame('E', fields(severity, e));
export const noticeResponse = (e: SqlError): Buffer => fieldFrame('N', fields('NOTICE', e));
