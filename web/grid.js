// The videos: one camera, or a grid of cameras showing the same moment. The first camera with a picture leads;
// every other one is kept on the leader's wall-clock time (EXT-X-PROGRAM-DATE-TIME), corrected when it drifts.
import { Player } from "./player.js";

/** A follower further than this from the leader's wall-clock time is moved to it. */
export const MAX_DRIFT_MS = 500;

export class Grid {
  constructor(container, stats, onTime) {
    this.container = container;
    this.stats = stats;
    this.onTime = onTime;
    this.players = [];
    /** Corrections made, per camera: how often a follower had drifted. */
    this.corrections = {};
    setInterval(() => this.sync(), 1000);
  }

  /** Replaces the videos with one per camera. */
  show(cameras) {
    for (const p of this.players) p.stop();
    this.players = cameras.map((camera) => {
      const cell = document.createElement("figure");
      cell.className = "cell";
      const video = document.createElement("video");
      video.playsInline = true;
      video.muted = cameras.length > 1; // one sound at a time in a grid
      video.controls = cameras.length === 1;
      const caption = document.createElement("figcaption");
      caption.textContent = camera;
      const note = document.createElement("span");
      note.className = "note";
      caption.append(note);
      cell.append(video, caption);
      const player = new Player(camera, video, this.stats);
      player.note = note;
      video.addEventListener("timeupdate", () => {
        if (player === this.leader()) this.onTime(player.wallClock());
      });
      return player;
    });
    this.container.replaceChildren(...this.players.map((p) => p.video.parentElement));
    this.container.dataset.count = String(this.players.length);
  }

  /** The player the others follow: the first one with a picture now. */
  leader() {
    // (A follower paused for want of a recording at the leader's moment never takes the lead.)
    return this.players.find((p) => p.hls && !p.waiting && p.wallClock() !== undefined) ?? this.players[0];
  }

  /** Plays every camera from wallMs; one with nothing recorded around then (`recordedNear`) waits, blank. */
  playFrom(wallMs, recordedNear = () => true) {
    for (const p of this.players) {
      p.waiting = false;
      if (recordedNear(p.camera)) {
        p.playFrom(wallMs);
      } else {
        p.stop();
        p.video.removeAttribute("src");
        p.note.textContent = " · nothing recorded around this time";
      }
    }
  }

  playLive() {
    for (const p of this.players) p.playLive();
  }

  /**
   * Moves every follower to the leader's moment when it is more than MAX_DRIFT_MS away, and matches pause. A
   * follower with no picture for that moment (its camera was not recording) waits paused until it has one.
   */
  sync() {
    const leader = this.leader();
    if (!leader || !leader.hls) return;
    const wall = leader.wallClock();
    for (const p of this.players) {
      if (p === leader || !p.hls || p.live || wall === undefined) continue;
      p.waiting = !p.holds(wall);
      p.video.parentElement.classList.toggle("waiting", p.waiting);
      if (p.waiting) {
        p.note.textContent = " · no recording now";
        if (!p.video.paused) p.video.pause();
        continue;
      }
      p.note.textContent = "";
      const own = p.wallClock();
      if (own === undefined || Math.abs(own - wall) > MAX_DRIFT_MS) {
        this.corrections[p.camera] = (this.corrections[p.camera] ?? 0) + 1;
        p.video.currentTime = p.mediaTimeOf(wall);
      }
      if (p.video.paused !== leader.video.paused) leader.video.paused ? p.video.pause() : p.play();
    }
  }

  each(fn) {
    this.players.forEach(fn);
  }
}
