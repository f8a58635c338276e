import { defineConfig } from 'vitest/config';

const packages = ['core', 'trainer', 'optimizer', 'runtime-edge', 'compiler', 'bench', 'pipeline', 'cli'];

// One root config, one project per package plus the cross-package suites in test/. Projects
// inherit the options below (`extends: true`).
export default defineConfig({
  test: {
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: {
          name: `@edgeml/${name}`,
          root: `packages/${name}`,
          include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
        },
      })),
      { extends: true as const, test: { name: 'e2e', root: 'test', include: ['**/*.test.ts'] } },
    ],
    // TensorFlow.js suites on the cpu backend and child-process CLI runs are slow on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: CPU-bound test files run one per core at most.
    maxWorkers: 2,
    pool: 'forks',
  },
});
