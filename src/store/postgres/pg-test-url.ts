/** Connection string of the Postgres that tests use (the machine's server; `.ci/run` starts it). */
export function pgTestUrl(): string {
  return process.env.KITH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}
