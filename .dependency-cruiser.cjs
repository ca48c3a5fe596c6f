// The import rules of DESIGN.md ("Layers of the server") and STYLE.md ("Layout says where code runs"),
// checked by `npm run lint:deps`. Type-only imports count: a layer that needs a type from above is as
// coupled as one that calls it.
//
// Known violations (.dependency-cruiser-known-violations.json, read by --ignore-known): only
// server/db/migrations.ts importing the SQL of usage/, auth/ and observability/, which goes away
// when the migrations become numbered files under server/db/migrations/. Delete the file then; never
// add to it (regenerate with --output-type baseline only to remove entries).

/** The server's layers, bottom to top; each may import only from its own layer or below. */
const LAYERS = [
  { name: 'base', path: '^server/(base|protocol|db)/' },
  { name: 'domain', path: '^server/(registry|usage|auth|hardware|observability|processing)/' },
  { name: 'runtime', path: '^server/runtime/' },
  { name: 'operations', path: '^server/(reliability|follow|triton)/' },
  { name: 'http', path: '^server/http/' },
  { name: 'composition', path: '^server/([^/]+\\.ts|cli/)' },
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}-imports-upward`,
  comment: `server layer ${i + 1} (${layer.name}) imports from a layer above it (${LAYERS.slice(i + 1).map((l) => l.name).join(', ')}); see DESIGN.md "Layers of the server"`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(i + 1).map((l) => l.path) },
}));

/**
 * The server modules the renderer may read types from: pure type/schema modules (TypeBox schemas and
 * the types derived from them), whose own imports stay inside this list.
 */
const SCHEMA_MODULES = [
  '^server/hardware/types\\.ts$',
  '^server/observability/api\\.ts$',
  '^server/protocol/tensor\\.ts$',
  '^server/usage/types\\.ts$',
  '^server/http/routes/admin-schemas\\.ts$',
  '^server/http/routes/schemas\\.ts$',
  '^server/runtime/circuit-schema\\.ts$',
  '^server/http/routes/(usage|model|follow)-schemas\\.ts$',
  '^server/registry/model-schemas\\.ts$',
  '^server/processing/spec\\.ts$',
  '^server/auth/scopes\\.ts$',
  '^server/base/string-enum\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle is a design bug (STYLE.md "A core that knows no HTTP"); break it by moving the shared part down',
      severity: 'error',
      from: { path: '^(server|main|renderer)/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'server-folder-not-in-a-layer',
      comment: 'every folder under server/ belongs to a layer: add it to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^server/', pathNot: LAYERS.map((l) => l.path) },
      to: {},
    },
    {
      name: 'server-imports-outside-server',
      comment: 'server/ is the appliance and runs on its own: no main/, renderer/, electron (STYLE.md)',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: ['^(main|renderer|test|bench|scripts)/', '^electron$', 'node_modules/electron/'] },
    },
    {
      name: 'main-imports-server',
      comment: 'main/ talks to the server through its HTTP API, not its modules (STYLE.md); the launch line is parsed in main/launch-report.ts',
      severity: 'error',
      from: { path: '^main/' },
      to: { path: '^(server|renderer)/' },
    },
    {
      name: 'renderer-imports-server-values',
      comment: 'the renderer may import only types from the server (`import type`), never code',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^server/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-imports-server-non-schema',
      comment: 'the renderer may read types only from the server\'s pure type/schema modules (SCHEMA_MODULES in .dependency-cruiser.cjs)',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^server/', pathNot: SCHEMA_MODULES },
    },
    {
      name: 'schema-module-imports-non-schema',
      comment: 'a schema module the renderer reads imports only other schema modules, so the renderer never pulls server code into its types',
      severity: 'error',
      from: { path: SCHEMA_MODULES },
      to: { path: '^server/', pathNot: SCHEMA_MODULES },
    },
    {
      name: 'bridge-types-import-something',
      comment: 'main/api.ts, the bridge types the renderer reads, depends on nothing, so the renderer never pulls main-process code into its types',
      severity: 'error',
      from: { path: '^main/api\\.ts$' },
      to: { dependencyTypesNot: ['npm', 'npm-dev'] },
    },
    {
      name: 'renderer-imports-node',
      comment: 'the renderer runs in a browser: no node built-ins (STYLE.md)',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-imports-main-or-electron',
      comment: 'the renderer reaches the desktop only through the preload bridge (window.hearth), whose types are main/api.ts',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: ['^main/', '^electron$', 'node_modules/electron/'], pathNot: '^main/api\\.ts$' },
    },
    {
      name: 'renderer-imports-bridge-values',
      comment: 'the renderer may import only the bridge\'s types from main/api.ts (`import type`), never main-process code',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^main/api\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that does not resolve to a file or an installed package',
      severity: 'error',
      from: { path: '^(server|main|renderer)/' },
      // electron is an optional dependency (never installed in CI); main/ requires it at run time only.
      to: { couldNotResolve: true, pathNot: '^electron$' },
    },
  ],
  options: {
    // `depcruise server main renderer` (npm run lint:deps): packages are recorded, not followed.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.d\\.ts$', '^renderer/vite\\.config\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.cts', '.mts', '.js', '.cjs', '.mjs', '.d.ts'],
    },
    cache: false,
  },
};
