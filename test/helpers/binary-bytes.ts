/** Triton's binary extension from the client's side, for BYTES inputs and outputs. */

/** Each element as a 4-byte little-endian length and its bytes. */
export function bytesElements(items: Buffer[]): Buffer {
  return Buffer.concat(items.flatMap((b) => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return [len, b];
  }));
}

/** A request body whose one BYTES input travels in binary, and the header that goes with it. */
export function binaryBytesRequest(name: string, items: Buffer[], outputs: string[]): { body: Buffer; headers: Record<string, string> } {
  const data = bytesElements(items);
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name, shape: [items.length], datatype: 'BYTES', parameters: { binary_data_size: data.length } }],
    outputs: outputs.map((o) => ({ name: o, parameters: { binary_data: true } })),
  }));
  return {
    body: Buffer.concat([header, data]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}

interface BinaryOutput { name: string; datatype: string; shape: number[]; parameters?: { binary_data_size?: number }; data?: unknown[] }

/** A binary response's outputs, decoded: BYTES as strings, FP32 as numbers. */
export async function readBinaryResponse(res: Response): Promise<{ status: number; outputs: Record<string, unknown[]> }> {
  const body = Buffer.from(await res.arrayBuffer());
  const length = Number(res.headers.get('inference-header-content-length') ?? body.length);
  const json = JSON.parse(body.subarray(0, length).toString('utf8')) as { outputs: BinaryOutput[] };
  let offset = length;
  const outputs: Record<string, unknown[]> = {};
  for (const o of json.outputs) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) { outputs[o.name] = o.data ?? []; continue; }
    const part = body.subarray(offset, offset + size);
    offset += size;
    if (o.datatype === 'BYTES') {
      const list: string[] = [];
      for (let at = 0; at < part.length;) {
        const n = part.readUInt32LE(at);
        list.push(part.subarray(at + 4, at + 4 + n).toString('utf8'));
        at += 4 + n;
      }
      outputs[o.name] = list;
    } else {
      outputs[o.name] = Array.from(new Float32Array(part.buffer.slice(part.byteOffset, part.byteOffset + part.length)));
    }
  }
  return { status: res.status, outputs };
}
