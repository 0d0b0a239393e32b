import type { DoctorReport } from './doctor-types.js';

const MARK = { pass: 'PASS', fail: 'FAIL', notApplicable: 'N/A ' } as const;

/** A doctor report as text for a terminal (`kith doctor profile`): the verdict, then every check with its fix. */
export function renderReport(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`Profile doctor: ${r.identity.namespace}:${r.identity.id} in sandbox "${r.sandbox.name}" (${new Date(r.checkedAt).toISOString()})`);
  lines.push(`Profile: ${r.profile.found ? `found (last modified ${r.profile.lastModifiedAt ?? '?'}, from ${r.profile.datasets.length} datasets)` : 'NOT found'}`);
  lines.push(`Checks: ${r.summary.pass} pass, ${r.summary.fail} fail, ${r.summary.notApplicable} not applicable`);
  lines.push('');
  for (const c of r.checks) {
    lines.push(`[${MARK[c.status]}] ${String(c.number).padStart(2)}. ${c.title}`);
    lines.push(`        ${c.summary}`);
    for (const f of c.fix) lines.push(`        fix: ${f}`);
  }
  if (r.summary.fail > 0) {
    lines.push('');
    lines.push('Why this person may not show up:');
    for (const c of r.checks.filter((x) => x.status === 'fail')) lines.push(`  ${c.number}. ${c.summary}`);
  }
  return lines.join('\n') + '\n';
}
