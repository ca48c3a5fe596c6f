import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AdminClient, CliError, resolveToken, resolveUrl, type ClientOptions } from './cli/client.js';
import { addNetworkCommands, servingSummary } from './cli/network.js';
import { ConfigError, resolveConfig, type Config } from './base/config.js';
import { DatabaseTooNewError } from './db/database.js';
import { addFollowCommands } from './cli/follow.js';
import { addTritonCommands } from './cli/triton.js';
import { instanceId } from './follow/instance.js';
import { displayUrl } from './follow/leader-client.js';
import { formatSystem } from './hardware/index.js';
import { launchReporter } from './launch-report.js';
import { startServer } from './serve.js';
import { runExtendsCommand, runVerifyCommand } from './usage/index.js';
import { VERSION } from './base/version.js';
import type { KeyInfo, SystemInfo as SystemAnswer, VersionInfo } from './http/routes/admin-schemas.js';
import type { ModelDetail, ModelListItem as ModelSummary } from './http/routes/model-schemas.js';

type Out = { log: (s: string) => void; error: (s: string) => void };

const int = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number.`);
  return n;
};

const sig = (list: VersionInfo['inputs']) => list.map((t) => `${t.name} ${t.datatype}[${t.shape.join(',')}]`).join(', ');
const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function clientFrom(cmd: Command): AdminClient {
  const opts = cmd.optsWithGlobals<ClientOptions>();
  return new AdminClient(resolveUrl(opts), resolveToken(opts));
}

function clientOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'Hearth server URL (default: HEARTH_URL, else http://127.0.0.1:8600)')
    .option('--token <token>', 'admin token (default: HEARTH_ADMIN_TOKEN, else the token file in the data directory)')
    .option('--data-dir <dir>', 'data directory whose admin-token file to read')
    .option('--json', 'print the server\'s JSON answer');
}

export function buildCli(out: Out = { log: (s) => console.log(s), error: (s) => console.error(s) }): Command {
  const program = new Command('hearth')
    .description('Hearth: an on-prem ONNX model server speaking the Open Inference Protocol (KServe v2 / Triton).')
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => out.log(s.trimEnd()), writeErr: (s) => out.error(s.trimEnd()) })
    .exitOverride();

  program.command('serve')
    .description('Run the server (headless). Binds to 127.0.0.1 unless --host says otherwise.')
    .option('--host <host>', 'address to bind (env HEARTH_HOST; default 127.0.0.1, loopback only)')
    .option('--port <port>', 'port (env HEARTH_PORT; default 8600)', int('--port'))
    .option('--data-dir <dir>', 'data directory (env HEARTH_DATA_DIR; default ~/.local/share/hearth)')
    .option('--require-api-key', 'make every inference client present an API key, loopback included')
    .option('--workers <n>', 'inference worker threads (default: one per core)', int('--workers'))
    .option('--body-limit <bytes>', 'largest inference request body (default 64 MiB)', int('--body-limit'))
    .option('--no-demo-models', 'do not register the bundled demo model on an empty registry')
    .option('--no-usage-log', 'do not write the usage log (for benchmarks; the audit trail then has gaps)')
    .option('--inline-max-us <us>', 'run a CPU model on the HTTP thread when its median run takes at most this long (default 100; 0: always in worker threads)', int('--inline-max-us'))
    .option('--durability <level>', '"process-crash" (default): answered work survives a killed process; "power-loss": also a power cut, every commit synced to disk first (slower) (env HEARTH_DURABILITY)')
    .option('--usage-fsync', 'fdatasync each usage record before its response: survives a power loss, not only a crash (slower)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .option('--tls', 'serve HTTPS with a self-signed certificate made on first start and kept in the data directory')
    .option('--tls-cert <file>', 'serve HTTPS with the site\'s own certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--allow <cidrs>', 'client address ranges that may connect, comma-separated (default: loopback and private ranges)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--cors <origins>', 'web origins whose pages may call the API, comma-separated (default: none)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--rate-limit <n>', 'default requests per second per API key (default: none)', Number)
    .option('--max-concurrent <n>', 'default requests in flight per API key (default: none)', int('--max-concurrent'))
    .option('--rejected-rate <n>', 'refused requests (bad key, unknown model) a client address may cause per second before it gets 429; loopback not counted (default 10; 0: no limit)', Number)
    .option('--allowed-hosts <names>', 'host names clients may use besides the addresses, localhost and this machine\'s name, comma-separated; "*.example.org" for subdomains (env HEARTH_ALLOWED_HOSTS)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--upload-timeout <seconds>', 'time an admin has to send a model file (default 3600); other requests keep 120 s', int('--upload-timeout'))
    .option('--max-header-size <bytes>', 'largest request head (default 16 KiB)', int('--max-header-size'))
    .option('--trust-proxy <list>', 'comma-separated proxy addresses/CIDRs whose X-Forwarded-For names the client (env HEARTH_TRUST_PROXY)')
    .option('--follow <url>', 'follower mode: mirror the registry of the Hearth at this URL (env HEARTH_FOLLOW_URL)')
    .option('--follow-key <key>', 'a key of the leader with the follow scope (env HEARTH_FOLLOW_KEY, which keeps it out of the process list)')
    .option('--follow-fingerprint <sha256>', 'the SHA-256 fingerprint of an https leader\'s certificate, as it prints it (env HEARTH_FOLLOW_FINGERPRINT)')
    .option('--follow-insecure', 'allow following a plain http leader: the key and the models travel unprotected')
    .option('--follow-interval-ms <ms>', 'how often a follower polls its leader (default 2000)', int('--follow-interval-ms'))
    .option('--follow-max-removals <n>', 'versions and keys one sync may remove before it waits for "hearth follow confirm" (default 3)', int('--follow-max-removals'))
    .option('--follow-grace-days <days>', 'days a follower keeps the model files it removed, in blobs/removed (default 7)', int('--follow-grace-days'))
    .option('--model-repository <dir>', 'serve the models of this read-only folder: a Triton repository (NAME/config.pbtxt, NAME/<version>/model.onnx) or one model (model.onnx, or the one .onnx file in it); never written')
    .option('--model-name <name>', 'the name to serve a single-model repository under (KServe passes the InferenceService name)')
    .action(async (o: {
      modelRepository?: string; modelName?: string;
      host?: string; port?: number; dataDir?: string; requireApiKey?: boolean; workers?: number; bodyLimit?: number;
      demoModels: boolean; usageLog: boolean; usageFsync?: boolean; durability?: Config['durability']; inlineMaxUs?: number; logLevel?: Config['logLevel'];
      tls?: boolean; tlsCert?: string; tlsKey?: string; allow?: string[]; cors?: string[]; rateLimit?: number; maxConcurrent?: number; maxHeaderSize?: number; trustProxy?: string; allowedHosts?: string[]; rejectedRate?: number; uploadTimeout?: number;
      follow?: string; followKey?: string; followFingerprint?: string; followInsecure?: boolean; followIntervalMs?: number;
      followMaxRemovals?: number; followGraceDays?: number;
    }) => {
      const config = resolveConfig({
        host: o.host, port: o.port, dataDir: o.dataDir, requireApiKey: o.requireApiKey ?? false, workers: o.workers,
        bodyLimitBytes: o.bodyLimit, demoModels: o.demoModels, usageLog: o.usageLog, usageFsync: o.usageFsync ?? false, durability: o.durability, inlineMaxUs: o.inlineMaxUs, logLevel: o.logLevel ?? 'warn',
        tls: o.tls, tlsCert: o.tlsCert, tlsKey: o.tlsKey, allow: o.allow, corsOrigins: o.cors,
        ratePerSecond: o.rateLimit, maxConcurrent: o.maxConcurrent, maxHeaderBytes: o.maxHeaderSize, allowedHosts: o.allowedHosts, rejectedPerSecond: o.rejectedRate, uploadTimeoutMs: o.uploadTimeout === undefined ? undefined : o.uploadTimeout * 1000,
        trustProxy: o.trustProxy?.split(',').map((x) => x.trim()).filter(Boolean),
        followUrl: o.follow, followKey: o.followKey, followFingerprint: o.followFingerprint, followInsecure: o.followInsecure ?? false,
        followIntervalMs: o.followIntervalMs, followMaxRemovals: o.followMaxRemovals, followGraceDays: o.followGraceDays,
      });
      const repository = o.modelRepository === undefined ? undefined : { dir: o.modelRepository, modelName: o.modelName };
      const report = launchReporter();
      let server;
      try {
        server = await startServer(config, { repository, onListening: (launch) => report({ event: 'listening', ...launch }) });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        report({ event: 'error', code: typeof code === 'string' ? code : 'ESTART', message: err instanceof Error ? err.message : String(err) });
        throw err;
      }
      // Handlers first: a SIGTERM that arrives while the banner prints still drains.
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          out.log(`${signal}: draining in-flight requests…`);
          server.close().then(() => resolve(), (err: unknown) => { out.error(String(err)); resolve(); });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      out.log(`Hearth ${VERSION} is serving.`);
      out.log(`  Admin UI:    ${server.url}/ui/`);
      out.log(`  API:         ${server.url}/v2   (docs: ${server.url}/docs)`);
      out.log(`  Data:        ${config.dataDir}`);
      out.log(`  Admin token: ${server.services.adminTokenFile ?? 'from HEARTH_ADMIN_TOKEN'}`);
      out.log(`  Instance:    ${instanceId(server.services.db)} (a follower stops mirroring if this changes)`);
      for (const notice of server.services.startupNotices) out.log(`  ${notice}`);
      if (repository) out.log(`  Models:      from ${repository.dir} (read-only): ${server.services.registry.listModels().map((m) => m.name).join(', ')}`);
      if (config.followUrl !== undefined) out.log(`  Following:   ${displayUrl(config.followUrl)} (registry changes are made there)`);
      for (const line of servingSummary(server.app)) out.log(line);
      await stopped;
    });

  const model = program.command('model').description('Manage models and versions through the admin API');

  clientOptions(model.command('add'))
    .description('Register an ONNX file as the next version of a model')
    .argument('<name>', 'model name (letters, digits, - _ .)')
    .argument('<file>', 'path to the .onnx file')
    .option('-d, --description <text>', 'description of this version')
    .option('--metadata <json>', 'lineage as a JSON object (training data, parameters, metrics)')
    .option('--tags <list>', 'comma-separated tags')
    .option('--promote', 'point production at the new version')
    .action(async (name: string, file: string, o: { description?: string; metadata?: string; tags?: string; promote?: boolean; json?: boolean }, cmd: Command) => {
      const client = clientFrom(cmd);
      await fs.access(file).catch(() => { throw new CliError(`Cannot read ${file}.`); });
      const q = new URLSearchParams();
      if (o.description) q.set('description', o.description);
      if (o.metadata) q.set('metadata', o.metadata);
      if (o.tags) q.set('tags', o.tags);
      const v = await client.request<VersionInfo>('POST', `/admin/v1/models/${encodeURIComponent(name)}/versions?${q}`,
        Readable.toWeb(createReadStream(file)), { 'content-type': 'application/octet-stream' });
      if (o.promote) await client.request('PUT', `/admin/v1/models/${encodeURIComponent(name)}/aliases/production`, { version: v.version });
      if (o.json) return out.log(JSON.stringify(v, null, 2));
      out.log(v.existing
        ? `${name} already has these bytes as version ${v.version} (sha256 ${v.sha256.slice(0, 12)}…); nothing added.`
        : `Registered ${name} version ${v.version} (sha256 ${v.sha256.slice(0, 12)}…, ${v.size} bytes).`);
      out.log(`  inputs:  ${sig(v.inputs)}\n  outputs: ${sig(v.outputs)}`);
      if (o.promote) out.log(`  production -> ${v.version}`);
    });

  clientOptions(model.command('list'))
    .description('List models, their versions and aliases')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const { models } = await clientFrom(cmd).request<{ models: ModelSummary[] }>('GET', '/admin/v1/models');
      if (o.json) return out.log(JSON.stringify(models, null, 2));
      if (models.length === 0) return out.log('No models yet. Add one with: hearth model add NAME FILE.onnx');
      for (const m of models) {
        const aliases = Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(' ') || '-';
        out.log(`${m.name}\tversions ${m.versions.join(',')}\taliases ${aliases}\tloaded ${m.loaded.join(',') || '-'}`);
      }
    });

  clientOptions(model.command('show'))
    .description('Show a model\'s versions, signatures and alias history')
    .argument('<name>')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const m = await clientFrom(cmd).request<ModelDetail>(
        'GET', `/admin/v1/models/${encodeURIComponent(name)}`);
      if (o.json) return out.log(JSON.stringify(m, null, 2));
      out.log(m.name);
      for (const v of m.versions) {
        out.log(`  version ${v.version}${v.aliases.length ? ` [${v.aliases.join(', ')}]` : ''}  ${v.state}${v.provider ? ` on ${v.provider}` : ''}  registered ${when(v.createdAt)}`);
        out.log(`    sha256 ${v.sha256}  ${v.size} bytes${v.description ? `  "${v.description}"` : ''}`);
        out.log(`    inputs:  ${sig(v.inputs)}\n    outputs: ${sig(v.outputs)}`);
        if (v.tags.length) out.log(`    tags: ${v.tags.join(', ')}`);
        if (Object.keys(v.metadata).length) out.log(`    metadata: ${JSON.stringify(v.metadata)}`);
      }
      if (m.aliasHistory.length) {
        out.log('  alias history:');
        for (const h of m.aliasHistory) out.log(`    ${when(h.changedAt)}  ${h.alias} ${h.action} -> ${h.version ?? '-'}`);
      }
    });

  clientOptions(model.command('promote'))
    .description('Point an alias (default production) at a version; it is loaded and warmed first')
    .argument('<name>')
    .argument('<version>', 'version number', int('version'))
    .option('--alias <alias>', 'alias to move', 'production')
    .action(async (name: string, version: number, o: { alias: string; json?: boolean }, cmd: Command) => {
      const r = await clientFrom(cmd).request<{ previous: number | null }>('PUT',
        `/admin/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(o.alias)}`, { version });
      if (o.json) return out.log(JSON.stringify(r, null, 2));
      out.log(`${name}: ${o.alias} -> ${version}${r.previous !== null ? ` (was ${r.previous})` : ''}`);
    });

  clientOptions(model.command('rollback'))
    .description('Move production back to the version it pointed at before')
    .argument('<name>')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const r = await clientFrom(cmd).request<{ version: number; previous: number | null }>('POST', `/admin/v1/models/${encodeURIComponent(name)}/rollback`);
      if (o.json) return out.log(JSON.stringify(r, null, 2));
      out.log(`${name}: production -> ${r.version} (rolled back from ${r.previous})`);
    });

  clientOptions(model.command('remove'))
    .description('Remove a model with all its versions, or only the version given')
    .argument('<name>')
    .argument('[version]', 'remove only this version', int('version'))
    .action(async (name: string, version: number | undefined, o: { json?: boolean }, cmd: Command) => {
      const path = version === undefined ? `/admin/v1/models/${encodeURIComponent(name)}` : `/admin/v1/models/${encodeURIComponent(name)}/versions/${version}`;
      const r = await clientFrom(cmd).request<{ removed: string }>('DELETE', path);
      out.log(o.json ? JSON.stringify(r) : `Removed ${r.removed}.`);
    });

  clientOptions(model.command('set'))
    .description('Change a version\'s serving settings, e.g. --batch 32 --delay-us 500 --instances 2 --cache on')
    .argument('<name>')
    .argument('<version>', 'version number', int('version'))
    .option('--batch <n>', 'maximum batch size', int('--batch'))
    .option('--delay-us <n>', 'maximum queue delay in microseconds', int('--delay-us'))
    .option('--queue <n>', 'maximum queued requests', int('--queue'))
    .option('--instances <n>', 'concurrent sessions', int('--instances'))
    .option('--threads <n>', 'intra-op threads per session', int('--threads'))
    .addOption(new Option('--batching <onoff>', 'dynamic batching').choices(['on', 'off']))
    .addOption(new Option('--cache <onoff>', 'response cache').choices(['on', 'off']))
    .addOption(new Option('--pin <onoff>', 'keep loaded').choices(['on', 'off']))
    .option('--placement <p>', 'auto, cpu, cuda:N, webgpu, dml or coreml')
    .action(async (name: string, version: number, o: Record<string, string | number | boolean | undefined>, cmd: Command) => {
      const patch: Record<string, unknown> = {};
      if (o.batch !== undefined) patch.maxBatchSize = o.batch;
      if (o.delayUs !== undefined) patch.maxQueueDelayUs = o.delayUs;
      if (o.queue !== undefined) patch.maxQueueSize = o.queue;
      if (o.instances !== undefined) patch.instances = o.instances;
      if (o.threads !== undefined) patch.intraOpThreads = o.threads;
      if (o.batching !== undefined) patch.dynamicBatching = o.batching === 'on';
      if (o.cache !== undefined) patch.responseCache = o.cache === 'on';
      if (o.pin !== undefined) patch.pinned = o.pin === 'on';
      if (o.placement !== undefined) patch.placement = o.placement;
      if (Object.keys(patch).length === 0) throw new CliError('Nothing to change: give at least one setting (see --help).');
      const r = await clientFrom(cmd).request<{ settings: Record<string, unknown> }>('PATCH',
        `/admin/v1/models/${encodeURIComponent(name)}/versions/${version}/settings`, patch);
      out.log(JSON.stringify(r.settings, null, 2));
    });

  const key = program.command('key').description('Manage API keys for LAN clients');

  clientOptions(key.command('create'))
    .description('Create an API key; it is shown once')
    .argument('<name>', 'who or what the key is for')
    .option('--scopes <list>', 'comma-separated: infer, metadata', 'infer,metadata')
    .option('--models <list>', 'comma-separated models the key may call (default: all)')
    .option('--expires <iso-date>', 'expiry, e.g. 2027-01-31')
    .action(async (name: string, o: { scopes: string; models?: string; expires?: string; json?: boolean }, cmd: Command) => {
      let expiresAt: number | undefined;
      if (o.expires) {
        expiresAt = Date.parse(o.expires);
        if (Number.isNaN(expiresAt)) throw new CliError(`--expires: "${o.expires}" is not a date (use e.g. 2027-01-31).`);
      }
      const body = {
        name,
        scopes: o.scopes.split(',').map((s) => s.trim()).filter(Boolean),
        ...(o.models ? { models: o.models.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      };
      const r = await clientFrom(cmd).request<{ id: string; key: string }>('POST', '/admin/v1/keys', body);
      if (o.json) return out.log(JSON.stringify(r, null, 2));
      out.log(`Created key ${r.id} ("${name}"). Copy it now; it is not shown again:\n\n  ${r.key}\n`);
    });

  clientOptions(key.command('list'))
    .description('List API keys (never the keys themselves)')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const { keys } = await clientFrom(cmd).request<{ keys: KeyInfo[] }>('GET', '/admin/v1/keys');
      if (o.json) return out.log(JSON.stringify(keys, null, 2));
      if (keys.length === 0) return out.log('No API keys. Create one with: hearth key create NAME');
      for (const k of keys) {
        const status = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < Date.now() ? 'expired' : 'active';
        out.log(`${k.id}\t${k.name}\t${status}\tscopes ${k.scopes.join(',')}\tmodels ${k.models?.join(',') ?? 'all'}\tlast used ${when(k.lastUsedAt)}`);
      }
    });

  clientOptions(key.command('revoke'))
    .description('Revoke an API key by id')
    .argument('<id>')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const r = await clientFrom(cmd).request<KeyInfo>('DELETE', `/admin/v1/keys/${encodeURIComponent(id)}`);
      out.log(o.json ? JSON.stringify(r) : `Revoked ${r.id} ("${r.name}").`);
    });

  const audit = program.command('audit').description('Export and verify the tamper-evident audit log');

  audit.command('verify')
    .description('Check an exported audit bundle offline: exit 0 when intact, else the first bad record')
    .argument('<bundle>', 'the .jsonl bundle from "hearth audit export" or GET /admin/v1/audit/export')
    .argument('[newer]', 'with --extends: the newer bundle, which must continue <bundle> with nothing removed or changed')
    .option('--extends', 'check that the second bundle continues the first (the first is the one kept from before)')
    .option('--pubkey <file>', 'PEM public key to pin (from GET /admin/v1/audit/key)')
    .option('--fingerprint <hex>', 'signing key fingerprint to pin (shown by "hearth system" and the admin UI)')
    .action(async (bundle: string, newer: string | undefined, o: { pubkey?: string; fingerprint?: string; extends?: boolean }) => {
      const { extends: isExtends, ...pins } = o;
      if ((isExtends === true) !== (newer !== undefined)) {
        out.error('usage: hearth audit verify FILE, or hearth audit verify --extends OLD NEW');
        throw new CommanderError(2, 'hearth.audit.usage', 'bad arguments');
      }
      const io = { ...pins, print: out.log, printError: out.error };
      const code = newer === undefined ? await runVerifyCommand(bundle, io) : await runExtendsCommand(bundle, newer, io);
      if (code !== 0) throw new CommanderError(code, 'hearth.audit.failed', 'verification failed');
    });

  clientOptions(audit.command('export'))
    .description('Download an audit bundle for a time range')
    .requiredOption('-o, --output <file>', 'where to write the bundle')
    .option('--from <time>', 'ISO date or ms since the epoch (inclusive)')
    .option('--to <time>', 'ISO date or ms since the epoch (exclusive)')
    .action(async (o: { output: string; from?: string; to?: string }, cmd: Command) => {
      const q = new URLSearchParams();
      if (o.from) q.set('from', o.from);
      if (o.to) q.set('to', o.to);
      await download(clientFrom(cmd), `/admin/v1/audit/export?${q}`, o.output);
      out.log(`Wrote ${o.output}. Check it with: hearth audit verify ${o.output} --fingerprint <fingerprint>`);
    });

  clientOptions(audit.command('fingerprint'))
    .description('Show the fingerprint of the key that signs audit checkpoints, for auditors to pin')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const k = await clientFrom(cmd).request<{ fingerprint: string; publicKeyPem: string }>('GET', '/admin/v1/audit/key');
      out.log(o.json ? JSON.stringify(k, null, 2) : k.fingerprint);
    });

  const usage = program.command('usage').description('The per-request usage log');

  clientOptions(usage.command('summary'))
    .description('Requests, errors, compute seconds and bytes per API key or per model (chargeback)')
    .addOption(new Option('--by <what>', 'group by').choices(['key', 'model']).default('key'))
    .option('--from <time>', 'ISO date or ms since the epoch (inclusive)')
    .option('--to <time>', 'ISO date or ms since the epoch (exclusive)')
    .action(async (o: { by: string; from?: string; to?: string; json?: boolean }, cmd: Command) => {
      const q = new URLSearchParams({ by: o.by });
      if (o.from) q.set('from', o.from);
      if (o.to) q.set('to', o.to);
      const r = await clientFrom(cmd).request<{ rows: Record<string, string | number | null>[] }>('GET', `/admin/v1/usage/summary?${q}`);
      if (o.json) return out.log(JSON.stringify(r.rows, null, 2));
      if (r.rows.length === 0) return out.log('No requests in that period.');
      out.log([o.by, 'requests', 'errors', 'compute_s', 'bytes_in', 'bytes_out'].join('\t'));
      for (const row of r.rows) {
        out.log([row[o.by] ?? (o.by === 'key' ? '(no key: loopback)' : '-'), row.requests, row.errors,
          Number(row.computeSeconds).toFixed(3), row.bytesIn, row.bytesOut].join('\t'));
      }
    });

  clientOptions(usage.command('export'))
    .description('Download usage records as CSV or JSON Lines')
    .requiredOption('-o, --output <file>', 'where to write')
    .addOption(new Option('--format <f>', 'file format').choices(['csv', 'jsonl']).default('csv'))
    .option('--from <time>', 'ISO date or ms since the epoch (inclusive)')
    .option('--to <time>', 'ISO date or ms since the epoch (exclusive)')
    .option('--model <name>', 'only this model')
    .option('--key <id>', 'only this API key id')
    .action(async (o: { output: string; format: string; from?: string; to?: string; model?: string; key?: string }, cmd: Command) => {
      const q = new URLSearchParams({ format: o.format });
      for (const k of ['from', 'to', 'model', 'key'] as const) if (o[k]) q.set(k, o[k] as string);
      await download(clientFrom(cmd), `/admin/v1/usage?${q}`, o.output);
      out.log(`Wrote ${o.output}.`);
    });

  clientOptions(program.command('system'))
    .description('Show CPUs, memory, GPUs, execution providers and what is loaded where')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const sys = await clientFrom(cmd).request<SystemAnswer>('GET', '/admin/v1/system');
      if (o.json) return out.log(JSON.stringify(sys, null, 2));
      if (sys.hardware) out.log(formatSystem({ ...sys.hardware, providers: sys.providers }));
      out.log(`\nServer: Hearth ${sys.server.version} on ${sys.server.host}:${sys.server.port}, up ${Math.round(sys.server.uptimeSeconds)} s, ${sys.server.workers} inference workers`);
      out.log(`Audit signing key fingerprint: ${sys.auditKeyFingerprint}`);
      for (const [device, u] of Object.entries(sys.devices)) {
        out.log(`Device ${device}: ${u.count} loaded, ~${Math.round(u.bytes / 1e6)} MB${u.budget ? ` of ${Math.round(u.budget.bytes / 1e6)} MB budget, at most ${u.budget.count}` : ''}`);
      }
      for (const l of sys.loaded) out.log(`  ${l.name} v${l.version}\t${l.state}\t${l.provider}${l.reason ? `\t${l.reason}` : ''}`);
    });

  addNetworkCommands(program, out, { clientOptions, clientFrom });
  addFollowCommands(program, out, { clientOptions, clientFrom });
  addTritonCommands(program, out, { clientOptions, clientFrom });

  return program;
}

async function download(client: AdminClient, pathname: string, file: string): Promise<void> {
  const res = await client.stream(pathname);
  if (!res.body) throw new CliError('The server sent no body.');
  await pipeline(Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(file));
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], out?: Out): Promise<number> {
  const o = out ?? { log: (s: string) => console.log(s), error: (s: string) => console.error(s) };
  const program = buildCli(o);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError || err instanceof ConfigError || err instanceof DatabaseTooNewError) {
      o.error(`hearth: ${err.message}`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      o.error(`hearth: the port is already in use (${e.message}). Another program (perhaps another Hearth) listens there; Hearth will not share it. Stop that program or choose another port with --port.`);
      return 1;
    }
    o.error(`hearth: ${e.message ?? String(err)}`);
    return 1;
  }
}

