// Many cameras in one process: each records on its own (own recorder, ring and reconnect loop) and they share
// one limit on uploads in flight. A camera that fails or whose source ends never stops the others; the process
// runs until every camera has stopped: on SIGINT/SIGTERM (src/cli/interrupt.ts), or when all sources ended or failed.
import type { Camera } from "./camera.js";
import type { RecorderStats } from "../sdk.js";
import { catchInterrupts } from "../cli/interrupt.js";
import { summaryLines, type StatusBoard } from "./status.js";

export interface RunResult {
  /** 0 when nothing was lost and no camera failed or recorded nothing because of an error, else 1. */
  exitCode: number;
  stats: Map<string, RecorderStats>;
}

export async function runCameras(cameras: Camera[], board: StatusBoard, out: NodeJS.WritableStream = process.stdout): Promise<RunResult> {
  board.start();
  // SIGINT/SIGTERM stop every camera cleanly (a second one exits at once). Stopping is how a recording ends, so
  // the exit code says whether anything was lost (0 or 1), not which signal ended it.
  const interrupt = catchInterrupts("record", "finishing the open segments and uploading (or spilling) them");
  interrupt.signal.addEventListener("abort", () => cameras.forEach((camera) => camera.stop()), { once: true });
  const stats = new Map<string, RecorderStats>();
  try {
    await Promise.all(
      cameras.map(async (camera) => {
        stats.set(camera.name, await camera.run());
      }),
    );
  } finally {
    board.stop();
    interrupt.dispose();
  }
  let lostOrFailed = false;
  const lines: string[] = [];
  for (const camera of cameras) {
    const s = stats.get(camera.name)!;
    const status = camera.status();
    // A camera that never recorded because of an error (wrong password, unreachable) failed too, even if stopped.
    const failure = camera.failed ?? (camera.nothingRecorded && `nothing recorded: ${camera.nothingRecorded}`);
    lines.push(...summaryLines(camera.name, s, status.reconnects, status.sourceFramesLost, failure));
    if (failure || s.segmentsDropped > 0) lostOrFailed = true;
  }
  out.write(lines.join("\n") + "\n");
  return { exitCode: lostOrFailed ? 1 : 0, stats };
}
