import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { ConfigError, type Config } from '../../base/config.js';
import { listInterfaces, type Interfaces } from './exposure.js';

export const TLS_CERT_FILE = 'tls-cert.pem';
export const TLS_KEY_FILE = 'tls-key.pem';

export interface TlsInfo {
  /** SHA-256 of the DER certificate, colon-separated hex, as browsers show it. */
  fingerprint256: string;
  /** SHA-256 of the public key (SPKI), for `curl --pinnedpubkey`. */
  publicKeyPin: string;
  source: 'generated' | 'site';
  certFile: string;
  subject: string;
  subjectAltNames: string[];
  validFrom: string;
  validTo: string;
}

export interface TlsMaterial {
  cert: string;
  key: string;
  info: TlsInfo;
}

export function describeCertificate(certPem: string, source: TlsInfo['source'], certFile: string): TlsInfo {
  const x = new X509Certificate(certPem);
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  return {
    fingerprint256: x.fingerprint256,
    publicKeyPin: `sha256//${createHash('sha256').update(spki).digest('base64')}`,
    source,
    certFile,
    subject: x.subject,
    subjectAltNames: (x.subjectAltName ?? '').split(', ').filter((s) => s.length > 0),
    validFrom: new Date(x.validFrom).toISOString(),
    validTo: new Date(x.validTo).toISOString(),
  };
}

/** The names clients may use for this machine: its host name, localhost and every address it has. */
export function machineNames(interfaces: Interfaces = os.networkInterfaces(), hostname = os.hostname()): { dns: string[]; ips: string[] } {
  const dns = [...new Set([hostname, `${hostname}.local`, 'localhost'].filter((n) => /^[A-Za-z0-9.-]+$/.test(n)))];
  const ips = [...new Set(['127.0.0.1', '::1', ...listInterfaces(interfaces).map((i) => i.address)])];
  return { dns, ips };
}

/** A self-signed RSA certificate, valid for ten years, for the given names. */
export async function generateCertificate(names = machineNames(), now = new Date()): Promise<{ cert: string; key: string }> {
  const notAfter = new Date(now);
  notAfter.setFullYear(notAfter.getFullYear() + 10);
  const pems = await generate([
    { name: 'commonName', value: names.dns[0] ?? 'hearth' },
    { name: 'organizationName', value: 'Hearth (self-signed)' },
  ], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * The certificate kept in the data directory, made on first use. It is kept across restarts so
 * that clients pinned to its fingerprint go on trusting it; delete both files to make a new one.
 */
export async function loadOrCreateCertificate(dataDir: string, make: () => Promise<{ cert: string; key: string }> = () => generateCertificate()): Promise<TlsMaterial> {
  const certFile = path.join(dataDir, TLS_CERT_FILE);
  const keyFile = path.join(dataDir, TLS_KEY_FILE);
  try {
    const [cert, key] = await Promise.all([fs.readFile(certFile, 'utf8'), fs.readFile(keyFile, 'utf8')]);
    return { cert, key, info: describeCertificate(cert, 'generated', certFile) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { cert, key } = await make();
  // The key first and private: a certificate without its key is useless, a key left readable is not.
  await fs.writeFile(keyFile, key, { mode: 0o600 });
  await fs.chmod(keyFile, 0o600);
  await fs.writeFile(certFile, cert, { mode: 0o644 });
  return { cert, key, info: describeCertificate(cert, 'generated', certFile) };
}

/** The site's own certificate and key; a mismatched pair is refused here rather than at the first client. */
export async function loadSiteCertificate(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const read = async (file: string, what: string) => {
    try {
      return await fs.readFile(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`Cannot read the TLS ${what} ${file}: ${(err as Error).message}.`);
    }
  };
  const [cert, key] = await Promise.all([read(certFile, 'certificate (--tls-cert)'), read(keyFile, 'key (--tls-key)')]);
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`${certFile} is not a PEM certificate.`);
  }
  let matches: boolean;
  try {
    matches = x.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new ConfigError(`${keyFile} is not a PEM private key (an encrypted key is not supported).`);
  }
  if (!matches) throw new ConfigError(`The key ${keyFile} does not belong to the certificate ${certFile}.`);
  return { cert, key, info: describeCertificate(cert, 'site', path.resolve(certFile)) };
}

/** What --tls, --tls-cert and --tls-key ask for; null serves plain HTTP. */
export async function resolveTls(config: Pick<Config, 'tls' | 'tlsCert' | 'tlsKey' | 'dataDir'>): Promise<TlsMaterial | null> {
  if (config.tlsCert !== undefined || config.tlsKey !== undefined) {
    if (config.tlsCert === undefined || config.tlsKey === undefined) {
      throw new ConfigError('--tls-cert and --tls-key go together: give both, or neither (then --tls makes a self-signed certificate).');
    }
    return loadSiteCertificate(config.tlsCert, config.tlsKey);
  }
  if (!config.tls) return null;
  return loadOrCreateCertificate(config.dataDir);
}
