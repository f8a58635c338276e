import { defineConfig } from 'vitest/config';

// One root config, one project per package plus the cross-package suites in test/.
export default defineConfig({
  test: {
    projects: ['packages/*', 'test'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: TensorFlow.js suites are CPU-bound, so files run one per core at most.
    maxWorkers: 2,
    pool: 'forks',
  },
});
