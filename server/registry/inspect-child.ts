/**
 * Source of the process that first loads an uploaded model, run with `node -e` like the provider
 * probe (server/hardware/probe-child.ts), so the same code works from the sources and from dist/.
 *
 * argv: onnxruntime-node's entry path, the model file. The session options are the inference
 * workers' (CPU, all graph optimizations), so a file that would crash the workers' load crashes
 * here first. It prints one line `HEARTH_INSPECT {json}` and exits; a native crash or abort while
 * loading a hostile file takes down only this process.
 */
import { REMOVE_OWN_TMP_AT_EXIT } from '../base/private-tmp.js';

export const INSPECT_MARKER = 'HEARTH_INSPECT ';

export const INSPECT_CHILD_SOURCE = `${REMOVE_OWN_TMP_AT_EXIT}
const [ortPath, modelPath] = process.argv.slice(1);
const report = (result) => {
  process.stdout.write('\\n${INSPECT_MARKER}' + JSON.stringify(result) + '\\n', () => process.exit(0));
};
const describe = (list) => list.map((m) => ({
  name: m.name,
  isTensor: m.isTensor,
  type: typeof m.type === 'string' ? m.type : undefined,
  shape: Array.isArray(m.shape) ? m.shape : undefined,
}));
(async () => {
  let result;
  try {
    const ort = require(ortPath);
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
    });
    result = { ok: true, inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) };
    await session.release();
  } catch (error) {
    result = { ok: false, error: String(error && error.message ? error.message : error) };
  }
  report(result);
})();
`;
