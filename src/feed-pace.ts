// How a file is fed to a recorder: at a camera's pace (never ahead of the wall clock, as an encoder cannot be), or
// as fast as the uploads allow, yielding between chunks so that they run as they would between a camera's frames.
// push, demo and record's file source all feed this way.
import { setImmediate as nextTurn } from "node:timers/promises";
import { sleep } from "./retry.js";

/** The `pace` of feedRawStreams: called with the video time fed so far (90 kHz ticks). A wait ends early when `signal` aborts. */
export function feedPace(realTime: boolean, signal?: AbortSignal): (videoTicks: number) => Promise<void> {
  const started = performance.now();
  return async (videoTicks) => {
    if (!realTime) return nextTurn();
    const aheadMs = videoTicks / 90 - (performance.now() - started);
    if (aheadMs > 0) await sleep(aheadMs, signal).catch(() => {}); // (aborted: the feeder stops on the signal itself)
  };
}
