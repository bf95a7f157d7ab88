import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Real ONNX models and sharp on 2 cores: files run in parallel processes, tests inside one file in sequence.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        // The core, the CLI and the end-to-end test: Node.
        extends: true,
        test: { name: 'node', environment: 'node', include: ['test/{node,cli,common,e2e}/**/*.test.ts'] },
      },
      {
        // The Svelte UI's components and logic: jsdom, Svelte compiled for the browser.
        extends: true,
        plugins: [svelte(), svelteTesting()],
        test: { name: 'renderer', environment: 'jsdom', include: ['test/renderer/**/*.test.ts'], setupFiles: ['test/renderer/setup.ts'] },
      },
    ],
  },
});
