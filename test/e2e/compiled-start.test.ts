import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

/**
 * `npm start` runs the build (tsconfig.build.json, what `npm ci` makes through `prepare`): compiled here into a copy
 * of the package without src/, so nothing can fall back to the TypeScript sources.
 */
const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs a process to its end; resolves with its exit code and output. */
function run(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: envWithoutSource(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** `npm test` sets KITH_FROM_SOURCE=1 (spawned servers run the sources): this test runs the build. */
function envWithoutSource(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.KITH_FROM_SOURCE;
  return env;
}

/** Starts the compiled `kith start` and resolves with its base URL once it listens. */
function startCompiled(pkg: string, dataDir: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', join(pkg, 'bin/kith.js'), 'start', '--port', '0', '--query-port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
      cwd: pkg,
      env: envWithoutSource(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, baseUrl: m[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`compiled kith exited ${code} before listening: ${out}`)));
  });
}

describe('compiled start (npm start runs dist/)', () => {
  const pkg = mkdtempSync(join(tmpdir(), 'kith-compiled-'));
  let built = { code: null as number | null, out: '' };
  before(async () => {
    // the package as installed: package.json ("type": "module"), bin/, node_modules and the build, no sources
    copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    mkdirSync(join(pkg, 'bin'));
    copyFileSync(join(ROOT, 'bin/kith.js'), join(pkg, 'bin/kith.js'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    built = await run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], ROOT);
  });
  after(() => rmSync(pkg, { recursive: true, force: true }));

  it('the build compiles', () => {
    assert.equal(built.code, 0, built.out);
  });

  it('the compiled server answers /health, and /ready once its processor thread is up', async () => {
    const dataDir = join(pkg, 'data');
    const { child, baseUrl } = await startCompiled(pkg, dataDir);
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const health = await fetch(`${baseUrl}/health`);
      assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
      // startKith resolves once the processor worker (and the segmentation and checkpointer threads it starts) is ready
      const ready = await fetch(`${baseUrl}/ready`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('a worker thread booted from dist/ reports errors at their TypeScript lines (source maps in the thread)', async () => {
    // no tsx in the thread (it maps stacks itself): the boot file alone must turn source maps on there
    const worker = new Worker(pathToFileURL(join(pkg, 'dist/runtime/processor-boot.mjs')), { execArgv: [], stdout: true, stderr: true });
    const err = await new Promise<Error>((resolve) => worker.once('error', resolve));
    assert.match(err.stack ?? '', /src\/runtime\/processor\.ts:\d+/, err.stack);
  });

  describe('invalid input', () => {
    it('a start that fails (a TLS file that does not exist) exits non-zero with a stack naming the TypeScript source', async () => {
      const missing = join(pkg, 'missing.pem');
      const r = await run([join(pkg, 'bin/kith.js'), 'start', '--port', '0', '--query-port', '0', '--data-dir', join(pkg, 'data-tls'), '--tls-cert', missing, '--tls-key', missing], pkg);
      assert.notEqual(r.code, 0);
      assert.match(r.out, /cannot read the TLS certificate file/);
      assert.match(r.out, /src\/runtime\/api\.ts:\d+/, r.out);
    });
  });
});
