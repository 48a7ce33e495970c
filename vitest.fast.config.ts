import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The fast inner loop (`npm run test:fast`): SQLite only (BOSUN_TEST_ENGINES=sqlite, set by the script), and
 * without the suites that need a Python with the ML libraries (the model-file scanner's fixtures are written by
 * real scikit-learn and mlflow), start several server processes or need the S3 server. `npm test` runs everything.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        '**/node_modules/**',
        'src/registry/scanning/scan-tree.test.ts',
        'src/registry/scanning/unlisted-globals.test.ts',
        'src/registry/scanning/scanner.test.ts',
        'src/registry/scanning/tar-reader.test.ts',
        'src/registry/scanning/config-scanner.test.ts',
        'src/registry/scanning/allowlist.test.ts',
        // Compares the drift statistics with scipy, live, in the mlflow 3.x test venv.
        'src/monitoring/stats/scipy-live.test.ts',
        'src/server/concurrent-start.test.ts',
        'src/search/search-postgres.test.ts',
        'src/**/*.e2e.test.ts',
        // S3 suites need the test S3 server (Ceph radosgw) that `npm test` starts.
        'src/**/*.s3.test.ts',
      ],
    },
  }),
);
