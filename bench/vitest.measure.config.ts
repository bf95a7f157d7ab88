import { defineConfig } from 'vitest/config';

/**
 * Measurement scripts (not tests): they print tables and write bench/out/*.md. Run one with
 *   npx vitest run --config bench/vitest.measure.config.ts bench/resolution-policy.ts
 *   npx vitest run --config bench/vitest.measure.config.ts bench/low-light.ts
 */
export default defineConfig({
  test: {
    include: ['bench/resolution-policy.ts', 'bench/low-light.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
