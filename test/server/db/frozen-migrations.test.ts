import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../server/db/migrations/index.js';
import { ZERO_HASH } from '../../../server/usage/schema.js';

const DIR = fileURLToPath(new URL('../../../server/db/migrations/', import.meta.url));

/**
 * SHA-256 of each released migration's SQL. A database at version N never runs migration N again,
 * so an edited migration N would leave old and new installs with different schemas.
 * Add the hash of a new migration here when it is released; never change an existing line.
 */
const RELEASED: readonly string[] = [
  'cf766e82e0868071c66942a047381183d8aeeb901cebb6366e220a4e5e4fb388',
  '9d245d3a2c576266a5119e9c1ecbad60a6d3f01eea23906c30f3398f252a7945',
  '84cd80c80a8abde9271fcfd07ad91545206cb694454bbbb35f144d1fa31a4b51',
  'e752a24a9988b90c7dfe9b0835577bc949ada892240744875823732b24d24dad',
  'e8f719b9fc48cf48e50c0f891a9c5074f7fdb212fce07cd38487d96efdec67b7',
  '773a3a1476df87e704f4cf8f5a1b30e32eeae3e6dbf15a750bd2aa1345613fe3',
  '030de674605409e399c002a366c603cec25c63f49c467520e35983609457121d',
  '3a01575f4275c6a9c6ef4fccec75513463b81d8983efd09a8738393c3faf5e2d',
];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('released migrations are frozen', () => {
  it('keeps every released migration byte for byte', () => {
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(RELEASED.length);
    RELEASED.forEach((hash, i) => {
      const n = String(i + 1).padStart(4, '0');
      expect(sha256(MIGRATIONS[i]), `Migration ${n} was edited after release. A database already at version ${i + 1} ` +
        'never runs it again, so the edit would reach new installs only. Restore the file and put the change in a ' +
        'new migration at the end (server/db/README.md).').toBe(hash);
    });
  });

  it('lists the numbered files in order, one per version, with none left out', async () => {
    const files = readdirSync(DIR).filter((f) => /^\d{4}-.+\.ts$/.test(f)).sort();
    expect(files.map((f) => Number(f.slice(0, 4)))).toEqual(files.map((_, i) => i + 1));
    expect(files).toHaveLength(MIGRATIONS.length);
    for (const [i, file] of files.entries()) {
      const mod = (await import(pathToFileURL(path.join(DIR, file)).href)) as { sql: string };
      expect(MIGRATIONS[i], `${file} is not entry ${i + 1} of the list in index.ts`).toBe(mod.sql);
    }
  });

  it('seeds the chain with the zero hash the usage log expects', () => {
    expect(MIGRATIONS[1]).toContain(`'${ZERO_HASH}', 0, '${ZERO_HASH}'`);
  });
});
