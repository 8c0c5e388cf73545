// Test tiers (DESIGN.md): unit (*.test.ts beside the source, no privileges), integration
// (real namespaces, BPF, layer, debuggers: */test/**/*.int.test.ts), e2e (the project's own
// Kubernetes cluster: test/e2e/**/*.e2e.test.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{adapter,agent,proto,layer,ide-clients,test}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts', '**/*.e2e.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{adapter,agent,layer,ide-clients,test}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration tests create namespaces and load BPF programs; run files one at a time
          // so that timing-sensitive relays do not fight for the 2 cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
