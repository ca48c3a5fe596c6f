/**
 * Tests import the TypeScript sources, but the code they start in other threads and processes
 * (inference workers, the usage log thread, `hearth serve` children, the admin UI bundle) is the
 * compiled dist/. Before any test runs, this brings dist/ up to date with the sources, so an
 * edited worker can never pass on a stale build. After `npm run build` it only compares times.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** A source and a file built from it. */
export interface Pair { source: string; output: string }

const require = createRequire(import.meta.url);

function mtimeOf(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The pairs whose output is missing or older than its source. */
export function staleOutputs(pairs: readonly Pair[]): Pair[] {
  return pairs.filter(({ source, output }) => {
    const built = mtimeOf(output);
    return built === undefined || built < statSync(source).mtimeMs;
  });
}

function readProject(root: string): ts.ParsedCommandLine {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, host);
  if (!parsed) throw new Error(`${root}/tsconfig.json could not be read`);
  return parsed;
}

/** Every JavaScript file tsc emits for the project in `root`, with its source. */
export function compiledPairs(root: string): Pair[] {
  const project = readProject(root);
  return project.fileNames.flatMap((source) => ts.getOutputFileNames(project, source, false)
    .filter((output) => /\.[cm]?js$/.test(output))
    .map((output) => ({ source, output })));
}

/** Every file under renderer/, against the index.html vite writes anew on each build of the UI. */
export function uiPairs(root: string): Pair[] {
  const dir = path.join(root, 'renderer');
  if (!existsSync(dir)) return [];
  const output = path.join(root, 'dist', 'ui', 'index.html');
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => ({ source: path.join(entry.parentPath, entry.name), output }));
}

function run(root: string, what: string, args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const said = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(`${what} failed, and tests run the compiled dist/, so they do not run on a failed build:\n${said || result.error?.message || `exit ${result.status}`}`);
  }
}

function list(pairs: Pair[]): string {
  return pairs.slice(0, 5).map((p) => path.relative(process.cwd(), p.source)).join(', ') + (pairs.length > 5 ? ', …' : '');
}

/** Builds what is stale in dist/ (tsc, then the UI bundle), as `npm run build` would; throws when it cannot. */
export function ensureFreshBuild(root: string, log: (line: string) => void = (line) => console.log(line)): void {
  const compiled = compiledPairs(root);
  const stale = staleOutputs(compiled);
  if (stale.length > 0) {
    log(`dist/ is older than ${stale.length} source file(s) (${list(stale)}): building with tsc before the tests.`);
    const tsc = [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')];
    run(root, 'tsc', tsc);
    if (staleOutputs(compiled).length > 0) {
      // An incremental build skips a file whose content it built before (one only touched, as by
      // a checkout) and never re-emits a deleted output; without its build info tsc emits them all.
      const info = readProject(root).options.tsBuildInfoFile;
      if (info !== undefined) rmSync(path.resolve(root, info), { force: true });
      run(root, 'tsc', tsc);
    }
    const still = staleOutputs(compiled);
    if (still.length > 0) throw new Error(`tsc left dist/ older than ${list(still)}; run "npm run build" and look at what it says.`);
    const linkBin = path.join(root, 'dist', 'scripts', 'link-bin.js');
    if (existsSync(linkBin)) run(root, 'linking the hearth command', [linkBin]);
  }
  const ui = uiPairs(root);
  if (staleOutputs(ui).length > 0) {
    log('The admin UI bundle is older than renderer/: building it with vite before the tests.');
    const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    run(root, 'vite build', [vite, 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);
    const still = staleOutputs(ui);
    if (still.length > 0) throw new Error(`The UI build left dist/ui older than ${list(still)}.`);
  }
}
