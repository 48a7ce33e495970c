import { openPostgresTestDatabase } from './test-support/databases.js';
import { searchContract } from './test-support/search-contract.js';

// Needs BOSUN_TEST_PG_URI (a superuser URI); without it every test here fails with a message saying so.
searchContract('PostgreSQL', openPostgresTestDatabase);
