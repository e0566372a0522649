// `npm test` runs the upload and spill tests a second time with their workers on an older Node (OLD_NODE, see
// scripts/test.sh): Node < 20.15 has no zlib.crc32, so the fallback CRC paths run for real. Vitest itself needs a
// newer Node; its forked workers take the execPath of the process that forks them.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

if (!process.env.OLD_NODE) throw new Error("set OLD_NODE to the node binary the test workers should run on");
process.execPath = process.env.OLD_NODE;

export default mergeConfig(base, defineConfig({ test: { pool: "forks", setupFiles: ["test/support/worker-node-check.ts"] } }));
