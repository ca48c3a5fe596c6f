import { fromOrtType, toOrtType } from '../protocol/datatypes.js';
import type { Tensor, TensorData } from '../protocol/tensor.js';
import type { OrtTensorType, WireTensor } from './messages.js';

/**
 * A tensor ready to be transferred to a worker: its buffer must be its own, since transferring
 * a view into a request body (or Node's shared pool) would detach everything else in it.
 */
export function toWire(t: Tensor): WireTensor {
  const type = toOrtType(t.datatype) as OrtTensorType;
  if (Array.isArray(t.data)) return { name: t.name, type, dims: t.shape, data: t.data };
  const v = t.data;
  const owned = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer;
  return { name: t.name, type, dims: t.shape, data: owned ? v : v.slice() };
}

export function fromWire(w: WireTensor): Tensor {
  const datatype = fromOrtType(w.type);
  if (!datatype) throw new Error(`onnxruntime returned type ${w.type}, which the protocol cannot carry`);
  // onnxruntime may hand float16 back as a Float16Array where the runtime has one; the protocol works in raw bits.
  let data = w.data as TensorData;
  if (w.type === 'float16' && !(data instanceof Uint16Array)) {
    const v = w.data as ArrayBufferView;
    data = new Uint16Array(v.buffer, v.byteOffset, v.byteLength / 2);
  }
  return { name: w.name, datatype, shape: w.dims, data };
}
