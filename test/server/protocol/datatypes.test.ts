import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { Datatype } from '../../../server/protocol/tensor.js';
import {
  allocate,
  elementSize,
  fromOrtType,
  specFromOrtMetadata,
  toOrtType,
} from '../../../server/protocol/datatypes.js';
import { ONNX_ELEM_TYPE } from '../../../scripts/onnx-builder.js';
import { hasStorageOf, protocolError } from './helpers.js';

const { onnx } = onnxProto;

type Dim = { dimValue: number } | { dimParam: string } | Record<string, never>;

function valueInfo(name: string, elemType: number, dims: Dim[] | null): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: dims === null ? { elemType } : { elemType, shape: { dim: dims } } } };
}

/** A model of Identity nodes: input `${name}` to output `${name}_out`, one per entry. */
function identityModel(values: { name: string; datatype: Datatype; dims: Dim[] | null }[]): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'identity',
      node: values.map((v) => ({ opType: 'Identity', input: [v.name], output: [`${v.name}_out`], name: v.name })),
      input: values.map((v) => valueInfo(v.name, ONNX_ELEM_TYPE[v.datatype], v.dims)),
      output: values.map((v) => valueInfo(`${v.name}_out`, ONNX_ELEM_TYPE[v.datatype], v.dims)),
    },
  }).finish();
}

const RUNNABLE: Exclude<Datatype, 'BF16'>[] = ['BOOL', 'UINT8', 'INT8', 'UINT16', 'INT16', 'UINT32', 'INT32', 'UINT64', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

describe('datatypes', () => {
  it('knows element sizes', () => {
    expect(RUNNABLE.map((d) => elementSize(d))).toEqual([1, 1, 1, 2, 2, 4, 4, 8, 8, 2, 4, 8, undefined]);
  });

  it('maps datatypes to onnxruntime types and back', () => {
    for (const d of RUNNABLE) expect(fromOrtType(toOrtType(d))).toBe(d);
    expect(toOrtType('FP16')).toBe('float16');
    expect(toOrtType('BYTES')).toBe('string');
    expect(fromOrtType('int4')).toBeUndefined();
    const err = protocolError(() => toOrtType('BF16'));
    expect(err.status).toBe(400);
    expect(err.message).toBe('BF16 is not supported by onnxruntime');
  });

  it('allocates the storage onnxruntime-node takes and gives back, for every datatype', async () => {
    const session = await ort.InferenceSession.create(
      identityModel(RUNNABLE.map((datatype) => ({ name: datatype.toLowerCase(), datatype, dims: [{ dimParam: 'n' }] }))),
    );
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const datatype of RUNNABLE) {
        const data = allocate(datatype, 3);
        // ort.Tensor's overloads are per type; this test checks at run time that the pairing is one ORT accepts.
        feeds[datatype.toLowerCase()] = new ort.Tensor(toOrtType(datatype) as 'float32', data as Float32Array, [3]);
      }
      const results = await session.run(feeds);
      for (const datatype of RUNNABLE) {
        const out = results[`${datatype.toLowerCase()}_out`]!;
        expect(out.type).toBe(toOrtType(datatype));
        expect(fromOrtType(out.type)).toBe(datatype);
        expect(hasStorageOf(datatype, out.data)).toBe(true);
      }
    } finally {
      await session.release();
    }
  });

  it('converts real onnxruntime metadata to specs with -1 for every dynamic dimension', async () => {
    const session = await ort.InferenceSession.create(
      identityModel([
        { name: 'features', datatype: 'FP32', dims: [{ dimParam: 'batch' }, { dimValue: 4 }] },
        { name: 'tokens', datatype: 'INT64', dims: [{}, { dimParam: 'seq' }, { dimValue: 2 }] },
        { name: 'text', datatype: 'BYTES', dims: [{ dimValue: 1 }] },
        { name: 'scalar', datatype: 'FP16', dims: [] },
        { name: 'unknown', datatype: 'BOOL', dims: null },
      ]),
    );
    try {
      expect(session.inputMetadata.map(specFromOrtMetadata)).toEqual([
        { name: 'features', datatype: 'FP32', shape: [-1, 4] },
        { name: 'tokens', datatype: 'INT64', shape: [-1, -1, 2] },
        { name: 'text', datatype: 'BYTES', shape: [1] },
        { name: 'scalar', datatype: 'FP16', shape: [] },
        // onnxruntime reports an unknown rank as [], like a scalar.
        { name: 'unknown', datatype: 'BOOL', shape: [] },
      ]);
      expect(session.outputMetadata.map(specFromOrtMetadata)[1]).toEqual({ name: 'tokens_out', datatype: 'INT64', shape: [-1, -1, 2] });
    } finally {
      await session.release();
    }
  });

  it('treats negative, missing and odd dimensions as dynamic and refuses what the protocol cannot carry', () => {
    expect(specFromOrtMetadata({ name: 'a', isTensor: true, type: 'uint16', shape: [-1, undefined, null, 'n', 3, 0] })).toEqual({
      name: 'a',
      datatype: 'UINT16',
      shape: [-1, -1, -1, -1, 3, 0],
    });
    expect(specFromOrtMetadata({ name: 'b', isTensor: true, type: 'float64' })).toEqual({ name: 'b', datatype: 'FP64', shape: [] });
    expect(protocolError(() => specFromOrtMetadata({ name: 'c', isTensor: true, type: 'int4', shape: [2] })).message).toMatch(
      /"c" has onnxruntime type 'int4'/,
    );
    expect(protocolError(() => specFromOrtMetadata({ name: 'd', isTensor: false })).message).toMatch(/"d" is not a tensor/);
  });
});
