import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // MinIO is started once per run and shared by every integration test file.
    globalSetup: ["test/support/minio-global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep the number of worker processes small.
    maxWorkers: 2,
  },
});
