import { openSqliteTestDatabase } from './test-support/databases.js';
import { walkContract } from './test-support/walk-contract.js';

walkContract('SQLite', openSqliteTestDatabase);
