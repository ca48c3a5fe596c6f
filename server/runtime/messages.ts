/** Messages between the HTTP thread and inference workers. Tensors travel as transferred buffers. */

export type OrtTensorType =
  | 'bool' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'uint64' | 'int64'
  | 'float16' | 'float32' | 'float64' | 'string';

export interface WireTensor {
  name: string;
  type: OrtTensorType;
  dims: number[];
  data: ArrayBufferView | string[];
}

/** onnxruntime's description of a model input or output, as cloned out of the worker. */
export interface WireValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: (number | string)[];
}

export interface SessionOptions {
  intraOpThreads: number;
  /** Execution providers in order of preference, e.g. ['cuda', 'cpu']. */
  providers: string[];
  deviceId?: number;
}

export type WorkerRequest =
  | { op: 'load'; id: number; key: string; path: string; options: SessionOptions }
  | { op: 'run'; id: number; key: string; feeds: WireTensor[]; outputs: string[] }
  | { op: 'unload'; id: number; key: string }
  | { op: 'crash'; id: number }
  /** Release every session and end the thread, after whatever it is running now. */
  | { op: 'exit'; id: number };

export interface LoadResult {
  inputs: WireValueMetadata[];
  outputs: WireValueMetadata[];
}

export interface RunResult {
  outputs: WireTensor[];
  /** Nanoseconds spent in session.run, measured in the worker. */
  computeNs: number;
}

export type WorkerResponse =
  | { id: number; ok: true; result: LoadResult | RunResult | null }
  | { id: number; ok: false; error: string };
