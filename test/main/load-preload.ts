/**
 * Runs main/preload.cts the way a sandboxed Electron renderer does: compiled to CommonJS, wrapped
 * in `(require, process, exports, module)`, with a `require` that knows only 'electron'.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { compileFunction } from 'node:vm';
import ts from 'typescript';

const SOURCE = new URL('../../main/preload.cts', import.meta.url);

export function compilePreload(): string {
  return ts.transpileModule(readFileSync(SOURCE, 'utf8'), {
    fileName: 'preload.cts',
    compilerOptions: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

export interface Invocation {
  channel: string;
  args: unknown[];
}

export function loadPreload(answer: (channel: string, args: unknown[]) => unknown = () => undefined) {
  const required: string[] = [];
  const exposed = new Map<string, unknown>();
  const invocations: Invocation[] = [];
  const events = new EventEmitter();
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      invocations.push({ channel, args });
      return answer(channel, args);
    },
    on: (channel: string, listener: (...args: unknown[]) => void) => events.on(channel, listener),
    removeListener: (channel: string, listener: (...args: unknown[]) => void) => events.removeListener(channel, listener),
  };
  const sandboxedRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) }, ipcRenderer };
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  const exports = {};
  const run = compileFunction(compilePreload(), ['require', 'process', 'exports', 'module']) as (...args: unknown[]) => void;
  run(sandboxedRequire, {}, exports, { exports });
  return { required, exposed, invocations, ipcRenderer, events };
}
