import { SqliteStore } from '../src/store/sqlite.js';
import { conformanceSuite } from './conformance.js';

conformanceSuite('SQLite', { open: () => Promise.resolve(new SqliteStore()) });
