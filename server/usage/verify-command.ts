import { readFile } from 'node:fs/promises';
import { verifyBundleFile, type VerifiedBundle, type VerifyOptions, type VerifyResult } from './verify-bundle.js';
import { errorMessage } from '../base/message.js';

export interface VerifyCommandOptions {
  /** Path of a PEM public key to pin (the CLI's --pubkey). */
  pubkey?: string;
  /** Fingerprint to pin (the CLI's --fingerprint). */
  fingerprint?: string;
  print?: (line: string) => void;
  printError?: (line: string) => void;
}

/** The key the bundle must be signed with, as the options pin it; null (said why) when the key file cannot be read. */
async function readPins(pubkey: string | undefined, fingerprint: string | undefined, printError: (line: string) => void): Promise<VerifyOptions | null> {
  const pins: VerifyOptions = {};
  if (fingerprint !== undefined) pins.fingerprint = fingerprint;
  if (pubkey !== undefined) {
    try {
      pins.publicKeyPem = await readFile(pubkey, 'utf8');
    } catch (error) {
      printError(`cannot read the public key ${pubkey}: ${errorMessage(error)}`);
      return null;
    }
  }
  return pins;
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
  const options = await readPins(pubkey, fingerprint, printError);
  if (options === null) return 2;
  let result;
  try {
    result = await verifyBundleFile(file, options);
  } catch (error) {
    printError(`cannot read the bundle ${file}: ${errorMessage(error)}`);
    return 2;
  }
  if (!result.ok) {
    const where = result.seq === undefined ? `line ${result.line}` : `record seq ${result.seq} (line ${result.line})`;
    printError(`FAILED at ${where}: ${result.reason}`);
    return 1;
  }
  const records = `${result.count} record${result.count === 1 ? '' : 's'}`;
  print(`OK: ${records}, chain intact, signed by ${result.fingerprint}`);
  for (const line of describeBundle(result)) print(line);
  if (!result.pinned) {
    print('Note: the signing key was not pinned; pass --pubkey or --fingerprint to check who signed it.');
  }
  return 0;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** What an auditor needs to place the bundle: when it was cut, what it spans, what it promises. */
export function describeBundle(r: VerifiedBundle): string[] {
  const lines = [`Exported at: ${iso(r.exportedAt)}`];
  if (r.firstSeq === null || r.firstTime === null || r.lastTime === null) {
    lines.push('Records: none');
  } else {
    lines.push(`Sequence: ${r.firstSeq} to ${r.lastSeq}`, `Time range: ${iso(r.firstTime)} to ${iso(r.lastTime)}`);
  }
  if (r.checkpointEvery === null) {
    lines.push(`Checkpoints: format ${r.format} states no interval, so removed checkpoints are not detected`);
  } else {
    lines.push(`Checkpoints: at least every ${r.checkpointEvery} records after seq ${r.checkpointsFrom}`);
  }
  for (const k of r.earlierKeys) lines.push(`Also signed by an earlier key from the key history: ${k}`);
  for (const c of r.keyChanges) lines.push(`Key changed at seq ${c.seq}: ${c.from} -> ${c.to}`);
  return lines;
}

/**
 * `hearth audit verify --extends OLD NEW`: 0 when both verify and NEW holds every record of OLD
 * unchanged (it starts no later, ends no earlier, and its record at OLD's last seq has OLD's
 * last hash, which by the chain fixes every record before it); 1 when not; 2 when it cannot run.
 */
export async function runExtendsCommand(
  oldFile: string,
  newFile: string,
  {
    pubkey,
    fingerprint,
    print = (line) => process.stdout.write(`${line}\n`),
    printError = (line) => process.stderr.write(`${line}\n`),
  }: VerifyCommandOptions = {},
): Promise<number> {
  const pins = await readPins(pubkey, fingerprint, printError);
  if (pins === null) return 2;
  const verifyOne = async (file: string, options: VerifyOptions): Promise<VerifyResult | null> => {
    try {
      return await verifyBundleFile(file, options);
    } catch (error) {
      printError(`cannot read the bundle ${file}: ${errorMessage(error)}`);
      return null;
    }
  };
  // OLD stands on its own signature (the auditor kept it); the pins apply to NEW.
  const old = await verifyOne(oldFile, {});
  if (!old) return 2;
  if (!old.ok) {
    printError(`FAILED: the old bundle ${oldFile} does not verify (line ${old.line}: ${old.reason})`);
    return 1;
  }
  if (old.lastSeq === null || old.firstSeq === null) {
    printError(`the old bundle ${oldFile} holds no records: there is nothing to continue`);
    return 2;
  }
  const next = await verifyOne(newFile, { ...pins, captureSeq: old.lastSeq });
  if (!next) return 2;
  if (!next.ok) {
    printError(`FAILED: the new bundle ${newFile} does not verify (line ${next.line}: ${next.reason})`);
    return 1;
  }
  const problem = continuationProblem(old, next);
  if (problem) {
    printError(`FAILED: ${newFile} does not extend ${oldFile}: ${problem}`);
    return 1;
  }
  print(`OK: ${newFile} extends ${oldFile}: records ${old.firstSeq} to ${old.lastSeq} are unchanged, ${(next.lastSeq ?? 0) - old.lastSeq} added after them`);
  for (const line of describeBundle(next)) print(line);
  return 0;
}

function continuationProblem(old: VerifiedBundle, next: VerifiedBundle): string | null {
  const signers = new Set([next.fingerprint, ...next.earlierKeys, ...next.keyChanges.map((c) => c.from)]);
  if (!signers.has(old.fingerprint)) {
    return `the old bundle is signed by ${old.fingerprint}, which the new one neither uses nor names in a recorded key change`;
  }
  if (next.firstSeq === null || next.lastSeq === null || next.firstSeq > (old.firstSeq ?? 0)) {
    return `records from seq ${old.firstSeq} are not in the new bundle (removed, or pruned by retention)`;
  }
  if (next.lastSeq < (old.lastSeq ?? 0)) {
    return `the new bundle ends at seq ${next.lastSeq}, before the old one's last record ${old.lastSeq}: records were removed`;
  }
  if (next.hashAt !== old.lastHash) return `record seq ${old.lastSeq} differs: a record up to it was changed`;
  if (old.checkpointsFrom !== null && (next.checkpointsFrom === null || next.checkpointsFrom > old.checkpointsFrom)) {
    return 'the new bundle promises fewer checkpoints than the old one (checkpointsFrom moved)';
  }
  return null;
}
