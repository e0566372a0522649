// One camera's video: hls.js on a <video>, a recorded window or the live EVENT playlist, and the mapping between
// media time and wall-clock time through EXT-X-PROGRAM-DATE-TIME.

/** How much a recorded playlist covers around the chosen time: a 24/7 camera makes 1800 segments an hour. */
export const WINDOW_BEFORE_MS = 30 * 60e3;
export const WINDOW_AFTER_MS = 150 * 60e3;
/** Live: how far back the EVENT playlist reaches, and how far it stays open (the server's range limit is 25 h). */
const LIVE_BACK_MS = 2 * 60e3;
const LIVE_AHEAD_MS = 6 * 3600e3;

const iso = (ms) => new Date(ms).toISOString();
export const playlistUrl = (camera, startMs, endMs) =>
  `cameras/${encodeURIComponent(camera)}/playlist.m3u8?start=${iso(startMs)}&end=${iso(endMs)}`;

/** What the page says of a codec this browser cannot decode (the player's caption, the thumbnail strip). */
export function cannotDecodeText(codec) {
  const hevc = /hvc1|hev1/.test(codec);
  const what = hevc ? "H.265 (HEVC)" : "this recording's video";
  const advice = hevc ? ": try Safari, or a browser with HEVC support" : "";
  return `this browser cannot decode ${what}${codec ? ` (${codec})` : ""}${advice}`;
}

export class Player {
  /** `stats` collects what every player did, for the page's status and the end-to-end test. */
  constructor(camera, video, stats) {
    this.camera = camera;
    this.video = video;
    this.stats = stats;
    this.hls = null;
    this.live = false;
    /** The wall-clock range of the loaded playlist. */
    this.loaded = undefined;
    this.rate = 1;
  }

  /** The playlist's fragments as hls.js knows them now (a live playlist grows). */
  fragments() {
    const level = this.hls && this.hls.levels[Math.max(0, this.hls.currentLevel)];
    return (level && level.details && level.details.fragments) || [];
  }

  /** Media time (s) of a wall-clock time (ms), or undefined when no fragment holds or follows it. */
  mediaTimeOf(wallMs) {
    const frags = this.fragments();
    const frag =
      frags.find((f) => f.programDateTime <= wallMs && wallMs < f.programDateTime + f.duration * 1000) ??
      frags.find((f) => f.programDateTime > wallMs);
    return frag && frag.start + Math.max(0, (wallMs - frag.programDateTime) / 1000);
  }

  /** Wall-clock time (ms) being shown, or undefined outside the playlist. */
  wallClock() {
    const t = this.video.currentTime;
    const frag = this.fragments().find((f) => f.start <= t && t < f.start + f.duration);
    return frag ? frag.programDateTime + (t - frag.start) * 1000 : undefined;
  }

  /** True when the playlist has a picture for that wall-clock time. */
  holds(wallMs) {
    return this.fragments().some((f) => f.programDateTime <= wallMs && wallMs < f.programDateTime + f.duration * 1000);
  }

  /** Plays the recordings around `wallMs`, from `wallMs`; loads a new playlist only when outside the loaded one. */
  playFrom(wallMs) {
    if (!this.live && this.hls && this.loaded && wallMs >= this.loaded.startMs && wallMs < this.loaded.endMs && this.fragments().length) {
      const at = this.mediaTimeOf(wallMs);
      if (at !== undefined) this.video.currentTime = at;
      return this.play();
    }
    // Closed at now: a VOD playlist, which hls.js plays from where asked (a live one it would move to its end).
    // (At least a second after wallMs: a camera's clock a little ahead of ours may record "after now".)
    const range = { startMs: wallMs - WINDOW_BEFORE_MS, endMs: Math.max(wallMs + 1000, Math.min(wallMs + WINDOW_AFTER_MS, Date.now())) };
    this.open(playlistUrl(this.camera, range.startMs, range.endMs), { startWallMs: wallMs });
    this.loaded = range;
  }

  /** Follows the camera's EVENT playlist a few seconds behind its end. */
  playLive() {
    const now = Date.now();
    this.open(playlistUrl(this.camera, now - LIVE_BACK_MS, now + LIVE_AHEAD_MS), { live: true });
  }

  open(url, { startWallMs, live = false }) {
    this.stop();
    this.undecodable = undefined;
    if (this.note) this.note.textContent = "";
    this.live = live;
    if (!window.Hls || !Hls.isSupported()) {
      this.stats.fatalErrors.push({ type: "support", details: "no Media Source Extensions", fatal: true });
      return;
    }
    const hls = new Hls({
      autoStartLoad: false,
      // Live: stay about two segments behind the end of the EVENT playlist, catch up gently when further behind.
      liveSyncDuration: 4,
      liveMaxLatencyDuration: 12,
      maxLiveSyncPlaybackRate: 1.5,
    });
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      const entry = { camera: this.camera, type: data.type, details: data.details, fatal: data.fatal, reason: data.reason || (data.error && data.error.message) };
      this.stats.errors.push(entry);
      if (data.details === Hls.ErrorDetails.BUFFER_ADD_CODEC_ERROR || data.details === Hls.ErrorDetails.MANIFEST_INCOMPATIBLE_CODECS_ERROR) {
        return this.cannotDecode(data.mimeType || "");
      }
      const next = data.fatal && data.details === Hls.ErrorDetails.BUFFER_APPEND_ERROR && !this.switching ? this.fragmentAfterBuffer() : undefined;
      if (next) {
        // The recording changes container here (TS ↔ fMP4, a camera reconfigured): a media element's source
        // buffers cannot change shape (TS gives an audio and a video buffer, fMP4 one for both), so a new player
        // takes over at the first fragment not buffered.
        return this.switchContainerAt(next.programDateTime);
      }
      if (data.fatal) {
        this.stats.fatalErrors.push(entry);
        if (this.note && !this.undecodable) this.note.textContent = ` · cannot play: ${data.details}`;
      }
    });
    hls.on(Hls.Events.FRAG_LOADED, () => this.stats.fragmentsLoaded++);
    // fMP4 names its codec in the init segment (H.265 recordings among them): a browser that cannot decode it is
    // told plainly instead of showing a black player.
    hls.on(Hls.Events.BUFFER_CODECS, (_event, data) => {
      for (const track of [data.video, data.audiovideo]) {
        if (track && track.codec && !MediaSource.isTypeSupported(`${track.container}; codecs="${track.codec}"`)) return this.cannotDecode(track.codec);
      }
    });
    hls.once(Hls.Events.LEVEL_LOADED, () => {
      if (live) {
        hls.startLoad(-1);
      } else {
        const position = this.mediaTimeOf(startWallMs) ?? 0;
        hls.startLoad(position);
        this.video.currentTime = position;
      }
      this.play();
    });
    hls.loadSource(url);
    hls.attachMedia(this.video);
  }

  /** The first fragment past the buffered stretch being played. */
  fragmentAfterBuffer() {
    const v = this.video;
    let end = v.currentTime;
    for (let i = 0; i < v.buffered.length; i++) if (v.buffered.start(i) <= end + 0.1 && v.buffered.end(i) > end) end = v.buffered.end(i);
    return this.fragments().find((f) => f.start + f.duration / 2 > end && f.programDateTime);
  }

  /** Opens the same playlist again, from `wallMs` on (after a change of container there). */
  switchContainerAt(wallMs) {
    this.stats.containerSwitches = (this.stats.containerSwitches || 0) + 1;
    if (this.live) return this.playLive();
    const range = this.loaded;
    if (!range) return;
    this.open(playlistUrl(this.camera, range.startMs, range.endMs), { startWallMs: wallMs });
    this.loaded = range;
    // (Once per switch: a second failure at the same place is a real one.)
    this.switching = true;
    this.hls.once(Hls.Events.FRAG_BUFFERED, () => (this.switching = false));
  }

  /** The recording's codec is one this browser cannot decode: say so, and stop loading it. */
  cannotDecode(codec) {
    this.undecodable = codec || "unknown";
    this.stats.undecodable = this.undecodable;
    if (this.note) this.note.textContent = ` · ${cannotDecodeText(codec)}`;
    if (this.hls) this.hls.stopLoad();
  }

  /** How far behind real time the picture is (ms), from the playing fragment's program date-time. */
  latencyMs() {
    const date = this.hls && this.hls.playingDate;
    return date ? Date.now() - date.getTime() : undefined;
  }

  setRate(rate) {
    this.rate = rate;
    this.video.playbackRate = rate;
  }

  play() {
    this.video.playbackRate = this.rate;
    this.video.play().catch((err) => {
      // Without a user gesture the browser may refuse sound: play muted rather than not at all.
      if (err.name === "NotAllowedError" && !this.video.muted) {
        this.video.muted = true;
        this.play();
      }
    });
  }

  stop() {
    if (this.hls) this.hls.destroy();
    this.hls = null;
    this.loaded = undefined;
    this.live = false;
  }
}
