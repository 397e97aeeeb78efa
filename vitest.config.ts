import { defineConfig } from 'vitest/config';

// Three tiers, told apart by location (see README "Tests"):
//  unit        src/**/*.test.ts           pure code, fakes, injected clock
//  integration test/integration/**        in-process server, simulated nodes, no Docker
//  e2e         test/e2e/**                the real bin/lite, real kubectl, real Docker
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 20_000 } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // e2e tests share the machine's Docker engine and ports; run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
