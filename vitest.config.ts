import { defineConfig } from "vitest/config";

// Unit tests need Node and the build only: no MinIO (hence no Go), no ffmpeg, Chromium, GStreamer or wasmtime.
// A test file is a unit test when it is listed here; every other file is an integration test, so a new file that
// needs MinIO works without being classified. `npm run test:unit` runs this list alone.
export const unitTests = [
  "cli-args",
  "cli-mistakes",
  "core-abi",
  "core-gaps",
  "core-in-place",
  "core-wall-clock",
  "fmp4-fuzz",
  "fmp4-uploads",
  "keys",
  "media-playlist",
  "metrics",
  "options-checked",
  "record-units",
  "package-exports",
  "pcr-continuity",
  "playback-local-store",
  "playlist-builder",
  "raw-rewind",
  "record-config",
  "rtsp-depacketize",
  "rtsp-fuzz",
  "s3-bucket-config",
  "s3-endpoint",
  "s3-hostile-server",
  "s3-xml",
  "sdk-credentials",
  "serve-symlinks",
  "spill-unusable",
  "unsupported-codecs",
].map((name) => `test/${name}.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep the number of worker processes small.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "unit", include: unitTests } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: unitTests,
          // MinIO is started once per run and shared by every integration test file.
          globalSetup: ["test/support/minio-global-setup.ts"],
        },
      },
    ],
  },
});
