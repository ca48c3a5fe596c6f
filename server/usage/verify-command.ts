import { readFile } from 'node:fs/promises';
import { verifyBundleFile, type VerifyOptions } from './verify-bundle.js';

export interface VerifyCommandOptions {
  /** Path of a PEM public key to pin (the CLI's --pubkey). */
  pubkey?: string;
  /** Fingerprint to pin (the CLI's --fingerprint). */
  fingerprint?: string;
  print?: (line: string) => void;
  printError?: (line: string) => void;
}

/** `hearth audit verify <file>`: 0 when intact, 1 when it fails verification, 2 when it cannot run. */
export async function runVerifyCommand(
  file: string,
  {
    pubkey,
    fingerprint,
    print = (line) => process.stdout.write(`${line}\n`),
    printError = (line) => process.stderr.write(`${line}\n`),
  }: VerifyCommandOptions = {},
): Promise<number> {
  const options: VerifyOptions = {};
  if (fingerprint !== undefined) options.fingerprint = fingerprint;
  if (pubkey !== undefined) {
    try {
      options.publicKeyPem = await readFile(pubkey, 'utf8');
    } catch (error) {
      printError(`cannot read the public key ${pubkey}: ${describe(error)}`);
      return 2;
    }
  }
  let result;
  try {
    result = await verifyBundleFile(file, options);
  } catch (error) {
    printError(`cannot read the bundle ${file}: ${describe(error)}`);
    return 2;
  }
  if (!result.ok) {
    const where = result.seq === undefined ? `line ${result.line}` : `record seq ${result.seq} (line ${result.line})`;
    printError(`FAILED at ${where}: ${result.reason}`);
    return 1;
  }
  const records = `${result.count} record${result.count === 1 ? '' : 's'}`;
  print(`OK: ${records}, chain intact, signed by ${result.fingerprint}`);
  if (!result.pinned) {
    print('Note: the signing key was not pinned; pass --pubkey or --fingerprint to check who signed it.');
  }
  return 0;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
