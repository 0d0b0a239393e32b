import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

/** The repository's test fixtures (test/fixtures), found relative to this file. */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');

export const fixtureBytes = (rel: string): Buffer => readFileSync(join(FIXTURES_DIR, rel));
