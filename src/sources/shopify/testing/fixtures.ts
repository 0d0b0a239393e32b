import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

/** /work/shared/fixtures, found relative to this file (…/main/src/sources/shopify/testing → …/shared/fixtures). */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures');

export const fixtureBytes = (rel: string): Buffer => readFileSync(join(FIXTURES_DIR, rel));
