/** The end-to-end harness: real Chromium, real server-mock. See test/README.md. */
export { login, type Session } from './auth.js';
export {
  CHROMIUM_ARGS,
  findChromium,
  launchBrowser,
  launchPersistent,
  launchWithExtension,
} from './chromium.js';
export type { ExtensionBrowser, PersistentBrowser } from './chromium.js';
export { buildFixtureApp } from './fixture-build.js';
export {
  api,
  fixtureAppUrl,
  fixtureReady,
  jsonBody,
  kitOf,
  openFixtureApp,
  pageEvents,
  signIn,
  type SwVariant,
} from './fixture-page.js';
export type { FixtureAnswer, FixtureBody } from '../fixtures/app/page/fixture-api.js';
export {
  dumpIndexedDb,
  findInIndexedDb,
  listIndexedDbs,
  readIndexedDb,
  whereInIndexedDb,
} from './indexeddb.js';
export { launchKillable, type KillableBrowser } from './killable-browser.js';
export {
  mockClient,
  timesApplied,
  type Faults,
  type LogEntry,
  type MockClient,
  type ServerRecord,
} from './mock.js';
export { goOffline, goOnline } from './network.js';
export { PATHS, REPO_ROOT } from './paths.js';
export { screenshot } from './screenshot.js';
export {
  startMockServer,
  startMockServerProcess,
  type MockServer,
  type MockServerOptions,
  type MockServerProcess,
} from './server.js';
export {
  dispatchSync,
  evalInServiceWorker,
  getServiceWorker,
  stopServiceWorkers,
  wakeServiceWorker,
} from './service-worker.js';
export { waitFor, type WaitOptions } from './wait.js';
export { recordOf, recordsOf, useSuite, waitForQueueDrained, writeIdOf, type Suite } from './suite.js';
export type {
  ConflictView,
  OfflineKitApi,
  OfflineKitEvent,
  QueuedWriteView,
  Resolution,
  SyncStatus,
} from '../../sw/src/protocol/api.js';
export { useDevtoolsSuite, type DevtoolsSuite } from './devtools-suite.js';
