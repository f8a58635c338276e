import { defineProject } from 'vitest/config';

// Cross-package end-to-end suites: the CLI as a user runs it, in child processes.
export default defineProject({
  test: { name: 'e2e', include: ['**/*.test.ts'] },
});
