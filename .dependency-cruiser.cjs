// Arrows point down only (docs/ARCHITECTURE.md, "Layers"): worker → core → protocol; client → protocol;
// devtools-extension, server-mock, sample-app → the package's public entries; server → protocol only; bench → test harness, never back.
// `npm run deps` checks it in the test command; a forbidden arrow fails it with the rule's name.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-imports-nothing',
      comment:
        'sw/src/protocol is the ground floor: wire shapes, API types, guards. It imports nothing else.',
      severity: 'error',
      from: { path: '^sw/src/protocol/' },
      to: { pathNot: '^sw/src/protocol/' },
    },
    {
      name: 'core-below-worker',
      comment:
        'The core runs without service-worker glue (node tests use it): it never imports worker/ or client/.',
      severity: 'error',
      from: { path: '^sw/src/core/' },
      to: { path: '^sw/src/(worker|client)/' },
    },
    {
      name: 'client-on-protocol',
      comment: 'The page client knows the wire and the API only.',
      severity: 'error',
      from: { path: '^sw/src/client/' },
      to: { path: '^sw/src/(core|worker)/' },
    },
    {
      name: 'sw-stands-alone',
      comment: 'The published module never reaches into the apps and tools built on it.',
      severity: 'error',
      from: { path: '^sw/src/' },
      to: { path: '^(devtools-extension|sample-app|server|server-mock|test|bench)/' },
    },
    {
      name: 'users-of-sw-take-public-entries',
      comment:
        'The extension, server-mock and the sample app use what @offline-kit/sw publishes (protocol, client, the worker entry), never its internals.',
      severity: 'error',
      from: { path: '^(devtools-extension|server|server-mock|sample-app)/src/' },
      to: {
        path: '^sw/src/',
        pathNot: '^sw/src/(protocol/|client/index\\.ts$|worker/index\\.ts$)',
      },
    },
    {
      name: 'server-library-on-protocol',
      comment:
        '@offline-kit/server takes the wire from @offline-kit/sw/protocol only, and never reaches into the apps built on it (server-mock is built on it, not the other way).',
      severity: 'error',
      from: { path: '^server/src/' },
      to: { path: '^(sw/src/(?!protocol/)|server-mock/|sample-app/|devtools-extension/|test/|bench/)' },
    },
    {
      name: 'panel-ui-without-browser-apis',
      comment:
        'The panel UI runs in the extension and inline in a page: browser-extension APIs stay in extension/.',
      severity: 'error',
      from: { path: '^devtools-extension/src/ui/' },
      to: { path: '(^devtools-extension/src/extension/|webextension-polyfill|@types/chrome)' },
    },
    {
      name: 'no-package-cycle-test-bench',
      comment: 'bench uses the test harness (Chromium, the mock server); tests never import the bench.',
      severity: 'error',
      from: { path: '^test/' },
      to: { path: '^bench/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes load order matter and hides which file owns a concern.',
      severity: 'error',
      from: { path: '^sw/src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(/dist/|node_modules|\\.d\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs'],
    },
    combinedDependencies: false,
    preserveSymlinks: false,
  },
};
