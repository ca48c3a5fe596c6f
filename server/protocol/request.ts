import type { Tensor } from './tensor.js';

/** An output the client asked for, with its parameters (`binary_data`, …) as sent. */
export interface RequestedOutput {
  name: string;
  parameters: Record<string, unknown>;
}

/** An inference request checked against the model's signature, ready to run. */
export interface InferRequest {
  id?: string;
  /** The request's parameters as sent; `binary_data_output: true` asks for every output in binary. */
  parameters: Record<string, unknown>;
  /** One tensor per model input, in the order the client sent them. */
  inputs: Tensor[];
  /** The outputs to return, in order: every model output when the request names none. */
  outputs: readonly RequestedOutput[];
}
