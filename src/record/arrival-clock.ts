// Timestamps for a live pipe, which carries no time of its own: each frame's arrival time, smoothed to the frame
// interval. A pipe delivers frames in bursts (encoder and pipe buffering), so raw arrival times jitter; here each
// frame is stamped one interval after the previous one, pulled a 32nd of the way towards its arrival time,
// so the stamps follow the real frame rate over time without the jitter. A frame far from where it is expected
// (a stall, a burst after one) restarts the stamps at its arrival time.

/** Measure the arrival rate over at least this long before comparing it with the rate given. */
const RATE_CHECK_AFTER_US = 10_000_000;
const RATE_CHECK_MIN_FRAMES = 25;
/** How far the measured rate may be from the given one before it is reported. */
const RATE_TOLERANCE = 0.1;
const PULL = 1 / 32;
/** Further from the expected time than this (µs, and 25 intervals): a stall or a clock jump, not jitter. */
const RESTART_US = 2_000_000;

export interface RateMismatch {
  givenFps: number;
  measuredFps: number;
}

export class ArrivalClock {
  private lastUs?: number;
  /** The measuring window: first arrival and frames since. */
  private windowStartUs?: number;
  private windowFrames = 0;
  private mismatchReported = false;

  /** `givenFps`: the stream's frame rate (--fps or the SPS); without it the measured rate is used. */
  constructor(
    private readonly givenFps: number | undefined,
    private readonly onMismatch: (m: RateMismatch) => void = () => {},
  ) {}

  /** The interval between frames (µs): the given rate's, else the rate measured so far, else 25 fps. */
  get intervalUs(): number {
    if (this.givenFps) return 1e6 / this.givenFps;
    const measured = this.measuredFps();
    return measured ? 1e6 / measured : 40_000;
  }

  /** The timestamp (µs) of a frame that arrived at `arrivalUs`. */
  stamp(arrivalUs: number): number {
    this.measure(arrivalUs);
    const interval = this.intervalUs;
    if (this.lastUs === undefined) return (this.lastUs = arrivalUs);
    const expected = this.lastUs + interval;
    const error = arrivalUs - expected;
    if (Math.abs(error) > Math.max(RESTART_US, 25 * interval)) {
      this.restart(arrivalUs);
      return (this.lastUs = Math.max(arrivalUs, this.lastUs + interval));
    }
    // Frames far ahead of their time (a burst) still advance by at least a quarter interval.
    return (this.lastUs = Math.max(expected + error * PULL, this.lastUs + interval / 4));
  }

  /** After a stall: the next frame is stamped at its arrival, and the rate is measured afresh. */
  restart(arrivalUs?: number): void {
    this.windowStartUs = arrivalUs;
    this.windowFrames = arrivalUs === undefined ? 0 : 1;
  }

  private measuredFps(): number | undefined {
    if (this.windowStartUs === undefined || this.windowFrames < 2 || this.lastArrivalUs <= this.windowStartUs) return undefined;
    return ((this.windowFrames - 1) * 1e6) / (this.lastArrivalUs - this.windowStartUs);
  }

  private lastArrivalUs = 0;

  private measure(arrivalUs: number): void {
    if (this.windowStartUs === undefined) {
      this.windowStartUs = arrivalUs;
      this.windowFrames = 0;
    }
    this.windowFrames++;
    this.lastArrivalUs = arrivalUs;
    if (this.mismatchReported || !this.givenFps) return;
    if (arrivalUs - this.windowStartUs < RATE_CHECK_AFTER_US || this.windowFrames < RATE_CHECK_MIN_FRAMES) return;
    const measured = this.measuredFps()!;
    if (Math.abs(measured - this.givenFps) > RATE_TOLERANCE * this.givenFps) {
      this.mismatchReported = true;
      this.onMismatch({ givenFps: this.givenFps, measuredFps: measured });
    }
  }
}
