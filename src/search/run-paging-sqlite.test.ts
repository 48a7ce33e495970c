import { openSqliteTestDatabase } from './test-support/databases.js';
import { pagingContract } from './test-support/paging-contract.js';

pagingContract('SQLite', openSqliteTestDatabase);
