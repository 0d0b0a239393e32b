#!/usr/bin/env node
// Adds the other platforms' optional packages (e.g. @duckdb/node-bindings-darwin-arm64, @rollup/rollup-win32-x64-msvc)
// that npm leaves out of package-lock.json (npm/cli#4828, #8320) but that `npm ci` then requires. Each entry is
// marked optional with the os/cpu/libc its name encodes, so npm ci skips it on other platforms without fetching it.
// Run after changing dependencies: `node scripts/lock-optional-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const pkgs = lock.packages;
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'netbsd', 'android', 'openharmony', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'riscv64', 'ppc64', 's390x', 'loong64', 'mips64el'];
let added = 0;
for (const [where, p] of Object.entries(pkgs)) {
  for (const [name, spec] of Object.entries(p.optionalDependencies ?? {})) {
    const nested = `${where ? `${where}/` : ''}node_modules/${name}`;
    if (pkgs[nested] || pkgs[`node_modules/${name}`]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((x) => OS.includes(x));
    const cpu = parts.find((x) => CPU.includes(x)) ?? (parts.includes('gnueabihf') || parts.includes('musleabihf') || parts.includes('eabi') ? 'arm' : undefined);
    if (!os) continue;
    const entry = { version: String(spec).replace(/^[~^=]/, ''), optional: true, os: [os] };
    if (cpu) entry.cpu = [cpu];
    if (parts.includes('musl') || parts.includes('musleabihf')) entry.libc = ['musl'];
    else if (os === 'linux' && (parts.includes('gnu') || parts.includes('gnueabihf'))) entry.libc = ['glibc'];
    pkgs[`node_modules/${name}`] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} optional platform entries`);
