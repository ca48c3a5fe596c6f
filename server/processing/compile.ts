import { unavailable } from '../base/errors.js';
import type { Signature, Tensor } from '../protocol/tensor.js';
import type { ModelVersion } from '../registry/registry.js';
import { imagesToTensor } from './image.js';
import { applyOutput, type OutputContext } from './outputs.js';
import { processedSignature } from './resolve.js';
import type { ProcessingSpec } from './spec.js';
import type { ProcessingStore } from './store.js';
import { loadTokenizer, textsToTensors } from './text.js';

/** A version's processing made ready to run: assets read and parsed once. */
export interface Processor {
  spec: ProcessingSpec;
  signature: Signature;
  /** Files or texts to the model's input tensors (absent: the client sends tensors). */
  inputs?: (items: Buffer[]) => Promise<Tensor[]>;
  /** The model's outputs to the processed ones (absent: answered as they are). */
  outputs?: (outputs: Tensor[]) => Tensor[];
}

const lines = (b: Buffer): string[] => {
  const list = b.toString('utf8').split(/\r?\n/);
  if (list[list.length - 1] === '') list.pop();
  return list;
};

/** Compiled processors per version; a version's spec and assets never change, so neither do they. */
export class Processors {
  private readonly cache = new Map<string, Promise<Processor>>();

  constructor(private readonly store: ProcessingStore) {}

  /** The processor of a version that has a spec; 503 while an asset it reads is not attached. */
  get(v: ModelVersion & { processing: ProcessingSpec }): Promise<Processor> {
    // createdAt: a removed version's number may be taken again by a new one.
    const key = `${v.name}\u0000${v.version}\u0000${v.createdAt}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.compile(v);
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async compile(v: ModelVersion & { processing: ProcessingSpec }): Promise<Processor> {
    const missing = this.store.missing(v);
    if (missing.length > 0) {
      throw unavailable(`Version ${v.version} of "${v.name}" waits for its asset${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(', ')}: ` +
        `PUT /admin/v1/models/${v.name}/versions/${v.version}/assets/${missing[0]} with the file.`, 5);
    }
    const spec = v.processing;
    const asset = (key: string) => this.store.read(v, key) ?? Buffer.alloc(0);
    const processor: Processor = { spec, signature: processedSignature(spec, v.signature) };
    const input = spec.input;
    if (input?.kind === 'image') {
      const tensor = input.tensor ?? v.signature.inputs[0]!.name;
      const datatype = v.signature.inputs.find((t) => t.name === tensor)?.datatype;
      const dt = datatype === 'FP16' || datatype === 'UINT8' ? datatype : 'FP32';
      processor.inputs = async (items) => [await imagesToTensor(items, input, tensor, dt)];
    } else if (input?.kind === 'text') {
      const tokenizer = await loadTokenizer(asset(input.asset), input);
      processor.inputs = async (items) => textsToTensors(tokenizer, items, input, v.signature);
    }
    const output = spec.output;
    if (output) {
      const ctx: OutputContext = {};
      if (output.kind === 'ctc') ctx.characters = lines(asset(output.characters));
      else if ('labels' in output) {
        const l = output.labels;
        const classes = v.metadata.classes;
        if (Array.isArray(l)) ctx.labels = l;
        else if (l === 'metadata') ctx.labels = Array.isArray(classes) ? classes.map(String) : undefined;
        else ctx.labels = lines(asset(l.asset));
      }
      processor.outputs = (outputs) => applyOutput(output, outputs, ctx);
    }
    return processor;
  }
}
