// One camera's timeline across sessions. Each session (an RTSP connection, a live pipe after a stall) stamps its
// frames on its own clock; the camera shifts each session so that its first frame lands at the moment it arrived
// (a monotonic clock since the camera started). So timestamps only go forward across reconnects, and a pause
// shows as the real time it lasted: the core marks a pause over 1 s that ends at an IDR as a gap (the next
// segment is a discontinuity).

export class Timeline {
  private readonly startedUs: number;
  private offsetUs?: number;
  /** The latest timestamp handed out (µs), any stream. */
  private lastUs = -Infinity;

  constructor(private readonly nowUs: () => number = () => performance.now() * 1000) {
    this.startedUs = nowUs();
  }

  /** A new session begins: its first frame re-anchors the timeline. */
  newSession(): void {
    this.offsetUs = undefined;
  }

  /** The camera timestamp (µs) of a session timestamp. */
  map(sessionUs: number): number {
    if (this.offsetUs === undefined) {
      // Never behind what was handed out before (a session clock may have run ahead of real time).
      const at = Math.max(this.nowUs() - this.startedUs, this.lastUs + 1000);
      this.offsetUs = at - sessionUs;
    }
    const us = sessionUs + this.offsetUs;
    if (us > this.lastUs) this.lastUs = us;
    return us;
  }
}
