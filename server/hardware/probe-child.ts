/**
 * Source of the probe process, run with `node -e` so the same code works from the TypeScript
 * sources (tests) and from dist/ without a build step in between. It is plain CommonJS.
 *
 * argv: onnxruntime-node's entry path, provider name, model as base64, input value.
 * It prints one line `HEARTH_PROBE {json}` and exits; a provider that crashes or hangs takes
 * down only this process. Profiling is on because onnxruntime may accept a provider and still
 * place the node on CPU; the profile names the provider that really ran each node.
 */
import { REMOVE_OWN_TMP_AT_EXIT } from '../base/private-tmp.js';

export const PROBE_MARKER = 'HEARTH_PROBE ';

export const PROBE_CHILD_SOURCE = `${REMOVE_OWN_TMP_AT_EXIT}
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const [ortPath, provider, modelBase64, input] = process.argv.slice(1);
const report = (result) => {
  process.stdout.write('\\n${PROBE_MARKER}' + JSON.stringify(result) + '\\n', () => process.exit(0));
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-probe-'));
(async () => {
  let result;
  try {
    const ort = require(ortPath);
    const session = await ort.InferenceSession.create(Buffer.from(modelBase64, 'base64'), {
      executionProviders: [provider],
      enableProfiling: true,
      profileFilePrefix: path.join(dir, 'probe'),
    });
    const outputs = await session.run({ x: new ort.Tensor('float32', new Float32Array([Number(input)]), [1]) });
    session.endProfiling();
    const file = fs.readdirSync(dir).find((name) => name.endsWith('.json'));
    const events = file ? JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) : [];
    const ranOn = new Set();
    for (const event of events) {
      if (event && event.cat === 'Node' && event.args && typeof event.args.provider === 'string') ranOn.add(event.args.provider);
    }
    result = { ok: true, output: Array.from(outputs.y.data), ranOn: [...ranOn] };
    await session.release();
  } catch (error) {
    result = { ok: false, error: String(error && error.message ? error.message : error) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report(result);
})();
`;
