import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Real ONNX models and sharp on 2 cores: files run in parallel processes, tests inside one file in sequence.
    pool: 'forks',
    maxWorkers: 2,
  },
});
