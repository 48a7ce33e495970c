import { openPostgresTestDatabase } from './test-support/databases.js';
import { walkContract } from './test-support/walk-contract.js';

// Needs BOSUN_TEST_PG_URI (a superuser URI); without it every test here fails with a message saying so.
walkContract('PostgreSQL', openPostgresTestDatabase);
