import { openSqliteTestDatabase } from './test-support/databases.js';
import { searchContract } from './test-support/search-contract.js';

searchContract('SQLite', openSqliteTestDatabase);
