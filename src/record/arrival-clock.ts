// Timestamps for a live pipe, which carries no time of its own: each frame's arrival time, smoothed to the frame
// interval. A pipe delivers frames in bursts (encoder and pipe buffering), so raw arrival times jitter. Here the
// stamps step by exactly one frame interval, as a camera's own clock would (players and tools expect a steady
// grid), and the average of (arrival − stamp) is watched. Where it settles in the first two seconds is a constant
// offset, not an error (an encoder's first frame comes late); when it drifts from there by a whole interval (the
// source is slower than the rate given, or lost a frame) one step is doubled, by a quarter second the other way
// one step is halved. So the stamps follow real time over hours without the jitter. A frame far from its slot
// (after a stall) starts the stamps again at its arrival time.

/** Measure the arrival rate over at least this long before comparing it with the rate given. */
const RATE_CHECK_AFTER_US = 10_000_000;
const RATE_CHECK_MIN_FRAMES = 25;
/** How far the measured rate may be from the given one before it is reported (and the measured one used). */
const RATE_TOLERANCE = 0.1;
/** Frames averaged before the stamps are corrected: a constant offset (the first frame came late, as encoders'
 * first frames do) is not a rate error and is left alone; only a drift away from it is corrected. */
const SETTLE_FRAMES = 50;
/** Weight of each frame in the running average of (arrival − stamp). */
const AVERAGING = 1 / 16;
/** Stamps ahead of the arrivals by this much on average (µs, or an interval if longer) get a half step. Larger than
 * the start-up jitter: the first frame sets the grid, and it may come late. */
const AHEAD_US = 250_000;
/** Further from the expected time than this (µs, and 25 intervals): a stall or a clock jump, not jitter. */
const RESTART_US = 2_000_000;

export interface RateMismatch {
  givenFps: number;
  measuredFps: number;
}

export class ArrivalClock {
  private lastUs?: number;
  /** Running average of how late frames arrive compared with their stamps (µs), and where it settled. */
  private lateUs = 0;
  private settledLateUs?: number;
  private framesSinceStart = 0;
  /** The measuring window: first arrival, frames since, latest arrival. */
  private windowStartUs?: number;
  private windowFrames = 0;
  private lastArrivalUs = 0;
  /** The rate given disagreed with the arrivals: the measured rate is used from then on. */
  private mismatch = false;

  /** `givenFps`: the stream's frame rate (--fps or the SPS); without it the measured rate is used. */
  constructor(
    private readonly givenFps: number | undefined,
    private readonly onMismatch: (m: RateMismatch) => void = () => {},
  ) {}

  /** The interval between frames (µs): the given rate's, else the rate measured so far, else 25 fps. */
  get intervalUs(): number {
    if (this.givenFps && !this.mismatch) return 1e6 / this.givenFps;
    const measured = this.measuredFps();
    return measured ? 1e6 / measured : 40_000;
  }

  /** The timestamp (µs) of a frame that arrived at `arrivalUs`. */
  stamp(arrivalUs: number): number {
    this.measure(arrivalUs);
    const interval = this.intervalUs;
    if (this.lastUs === undefined) return this.startAt(arrivalUs);
    const late = arrivalUs - (this.lastUs + interval);
    if (Math.abs(late) > Math.max(RESTART_US, 25 * interval)) {
      this.restart(arrivalUs);
      return this.startAt(Math.max(arrivalUs, this.lastUs + interval));
    }
    this.lateUs += (late - this.lateUs) * AVERAGING;
    if (++this.framesSinceStart === SETTLE_FRAMES) this.settledLateUs = this.lateUs;
    let step = interval;
    if (this.settledLateUs !== undefined) {
      const drift = this.lateUs - this.settledLateUs;
      if (drift > interval) step = 2 * interval;
      else if (drift < -Math.max(interval, AHEAD_US)) step = interval / 2;
    }
    this.lateUs -= step - interval;
    return (this.lastUs += step);
  }

  /** Stamps start again from this time: a new grid, a new offset to settle. */
  private startAt(us: number): number {
    this.lateUs = 0;
    this.settledLateUs = undefined;
    this.framesSinceStart = 0;
    return (this.lastUs = Math.round(us));
  }

  /** After a stall: the measuring of the rate starts afresh (at `arrivalUs` if given). */
  restart(arrivalUs?: number): void {
    this.windowStartUs = arrivalUs;
    this.windowFrames = arrivalUs === undefined ? 0 : 1;
  }

  private measuredFps(): number | undefined {
    if (this.windowStartUs === undefined || this.windowFrames < 2 || this.lastArrivalUs <= this.windowStartUs) return undefined;
    return ((this.windowFrames - 1) * 1e6) / (this.lastArrivalUs - this.windowStartUs);
  }

  private measure(arrivalUs: number): void {
    if (this.windowStartUs === undefined) {
      this.windowStartUs = arrivalUs;
      this.windowFrames = 0;
    }
    this.windowFrames++;
    this.lastArrivalUs = arrivalUs;
    if (this.mismatch || !this.givenFps) return;
    if (arrivalUs - this.windowStartUs < RATE_CHECK_AFTER_US || this.windowFrames < RATE_CHECK_MIN_FRAMES) return;
    const measured = this.measuredFps()!;
    if (Math.abs(measured - this.givenFps) > RATE_TOLERANCE * this.givenFps) {
      this.mismatch = true;
      this.onMismatch({ givenFps: this.givenFps, measuredFps: measured });
    }
  }
}
