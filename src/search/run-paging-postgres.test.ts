import { openPostgresTestDatabase } from './test-support/databases.js';
import { pagingContract } from './test-support/paging-contract.js';

// Needs BOSUN_TEST_PG_URI (a superuser URI); without it every test here fails with a message saying so.
pagingContract('PostgreSQL', openPostgresTestDatabase);
