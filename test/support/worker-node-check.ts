// For the runs whose test workers are forked on another Node (vitest.old-node.config.ts): fail every file at once
// if the workers are not on the Node the run is about (an execPath that was not taken would pass silently).
const arch = process.env.EXPECT_WORKER_ARCH;
const version = process.env.EXPECT_WORKER_VERSION;
if (arch && process.arch !== arch) throw new Error(`test worker on ${process.arch}, expected ${arch}`);
if (version && process.version !== version) throw new Error(`test worker on Node ${process.version}, expected ${version}`);
