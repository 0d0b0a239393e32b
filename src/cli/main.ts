import { configHelp, loadConfig } from '../config/config.js';
import { startKith } from '../runtime/api.js';
import { runAdmin } from './admin.js';
import { runIngest } from './ingest.js';
import { runSetup, SETUP_USAGE } from './setup.js';
import { runDoctor } from './doctor.js';
import { DEMO_USAGE, runDemo } from './demo.js';
import { runTransfer, TRANSFER_USAGE } from './transfer.js';

const USAGE = `kith — real-time Customer Data Platform with an AEP-compatible API

Usage:
  kith start [options]                     start the server (default command)
  kith admin credentials create [--name N] create an API credential (prints the key, secret and a token)
  kith admin credentials list              list API credentials of the default org
  kith admin credentials revoke <id>       revoke a credential and every token it issued
  kith admin token revoke <token>          revoke a bearer token
  kith ingest <file> --dataset <id>        send a JSON, JSON-lines, CSV or Parquet file through the batch API
  kith doctor profile --email <address>    why doesn't this person show up? (or --id <value> --ns <namespace>; --sandbox, --json)
${TRANSFER_USAGE}
${SETUP_USAGE}
${DEMO_USAGE}
  kith --help                              this text

Options (flag / environment variable):
${configHelp()}
`;

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const loaded = loadConfig(argv);
  if (!loaded.ok) {
    process.stderr.write(`kith: ${loaded.error}\n\n${USAGE}`);
    return 2;
  }
  const [command = 'start', ...rest] = loaded.rest;
  if (command === 'admin') return runAdmin(loaded.config, rest);
  if (command === 'ingest') return runIngest(loaded.config, rest);
  if (command === 'setup') return runSetup(loaded.config, rest);
  if (command === 'doctor') return runDoctor(loaded.config, rest);
  if (command === 'demo') return runDemo(loaded.config, rest);
  if (command === 'export' || command === 'import') return runTransfer(command, loaded.config, rest, argv);
  if (command !== 'start') {
    process.stderr.write(`kith: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const kith = await startKith(loaded.config);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    kith.app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 15_000);
    timer.unref();
    await kith.close();
    process.exit(0);
  };
  // the process edge: a promise nobody awaited that failed is a bug to log, not a reason to drop every connection
  // (acknowledged data is durable either way; the processor and segmentation threads are supervised)
  process.on('unhandledRejection', (e) => kith.app.log.error({ err: e }, 'unhandled rejection'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const l = kith.local;
  process.stdout.write(
    [
      '',
      `Kith is listening on ${kith.baseUrl}`,
      `  org:          ${l.orgId}`,
      `  sandbox:      ${l.sandbox}`,
      `  tenant id:    ${l.tenantId}`,
      `  x-api-key:    ${l.apiKey}`,
      `  access token: ${l.accessToken}`,
      `  saved to      ${loaded.config.dataDir}/credentials.json`,
      `  console:      ${kith.baseUrl}/  (sign in with the x-api-key and the clientSecret of credentials.json)`,
      `  API docs:     ${kith.baseUrl}/docs`,
      `  SQL (psql):   psql "host=${loaded.config.host} port=${kith.queryPort} dbname=${l.sandbox}:all user=${l.orgId} password=<access token>"`,
      '',
    ].join('\n') + '\n',
  );
  return await new Promise<number>(() => {});
}
