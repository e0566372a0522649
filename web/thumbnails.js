// Thumbnails along the timeline and on hover, without transcoding and without a server: the camera's I-frame
// playlist gives each segment's first picture as a byte range (its keyframeBytes); the page fetches that range,
// takes the IDR out of the TS (ts-picture.js) or, for fMP4, the first video sample out of the moof + mdat with the
// codec configuration of the init segment its EXT-X-MAP names (fmp4-picture.js), and decodes it with WebCodecs.
// Without WebCodecs the timeline stays plain; a codec the browser cannot decode (H.265 in most Chromium builds) is
// said on the strip, in the player's words.
import { firstPicture, avcCodecString } from "./ts-picture.js";
import { initVideoTrack, firstSample, isFragment } from "./fmp4-picture.js";
import { cannotDecodeText } from "./player.js";

/**
 * Thumbnails are laid along the view only up to an hour (1800 entries of 2 s segments; a day is 43 200, each a
 * presigned URL on S3); wider views show a picture on hover only.
 */
const STRIP_MAX_VIEW_MS = 3600e3 + 60e3;
/** Hover outside the strip's entries looks up this much around the pointer. */
const HOVER_WINDOW_MS = 30_000;
/** How long a listing of the view is reused while the view only follows now. */
const REFETCH_MS = 20_000;
/** Room a thumbnail takes on the strip (px). */
const THUMB_PX = 100;
const THUMB_W = 160;
const THUMB_H = 90;

const iso = (ms) => new Date(ms).toISOString();

/**
 * Entries of an I-frame playlist: {wallMs, durationMs, bytes, url}, and `map` (the EXT-X-MAP URI in force: an fMP4
 * init segment) where there is one; URLs made absolute against the playlist.
 */
export function parseIframePlaylist(text, playlistUrl) {
  const entries = [];
  let wallMs;
  let durationMs;
  let bytes;
  let map; // applies to every entry after it, until the next
  for (const line of text.split("\n")) {
    if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) wallMs = Date.parse(line.slice(25));
    else if (line.startsWith("#EXTINF:")) durationMs = parseFloat(line.slice(8)) * 1000;
    else if (line.startsWith("#EXT-X-BYTERANGE:")) bytes = parseInt(line.slice(17), 10);
    else if (line.startsWith("#EXT-X-MAP:")) {
      const uri = /URI="([^"]*)"/.exec(line);
      map = uri ? new URL(uri[1], playlistUrl).href : undefined;
    } else if (line && !line.startsWith("#")) {
      if (wallMs !== undefined && bytes > 0) {
        const entry = { wallMs, durationMs, bytes, url: new URL(line, playlistUrl).href };
        if (map !== undefined) entry.map = map;
        entries.push(entry);
      }
      wallMs = undefined; // every entry carries its own date-time
      bytes = undefined;
    }
  }
  return entries;
}

/** A picture this browser has no decoder for: not a failure to retry, but something to say. */
class UndecodableError extends Error {
  constructor(codec) {
    super(cannotDecodeText(codec));
    this.codec = codec;
  }
}

export class Thumbnails {
  constructor(state, timeline) {
    this.state = state;
    this.timeline = timeline;
    this.supported = typeof VideoDecoder !== "undefined";
    /** Decoded pictures by segment URL (ImageBitmap), and pictures in flight (Promise). */
    this.pictures = new Map();
    /** fMP4 init segments' video tracks by URL (Promise of {trackId, codec, description}). */
    this.initTracks = new Map();
    this.entries = [];
    this.viewKey = "";
    /** For the page's status and the end-to-end test; `undecodable` is the codec string of a picture it could not decode. */
    this.stats = { decoded: 0, failed: 0, lastError: undefined, undecodable: undefined };
    this.previewAt = undefined;
  }

  /** The camera whose pictures are shown: the chosen one (in a grid, the first). */
  camera() {
    return this.state.cameras[0];
  }

  async fetchEntries(camera, startMs, endMs) {
    const url = new URL(`cameras/${encodeURIComponent(camera)}/iframes.m3u8?start=${iso(startMs)}&end=${iso(endMs)}`, location.href);
    const res = await fetch(url);
    if (!res.ok) return [];
    return parseIframePlaylist(await res.text(), url);
  }

  /** Lays thumbnails along the visible part of the timeline (views up to an hour). */
  async refresh() {
    const s = this.state;
    const strip = document.getElementById("thumbs");
    const camera = this.camera();
    // (No view yet while the day loads: nothing to lay out.)
    if (!this.supported || !camera || !(s.viewEndMs > s.viewStartMs) || s.viewEndMs - s.viewStartMs > STRIP_MAX_VIEW_MS) {
      this.entries = [];
      strip.replaceChildren();
      return;
    }
    const width = strip.getBoundingClientRect().width || 1000;
    const slots = Math.max(1, Math.floor(width / THUMB_PX));
    const key = `${camera}|${s.viewStartMs}|${s.viewEndMs}|${slots}|${JSON.stringify(s.spansByCamera[camera] ?? [])}`;
    if (key === this.viewKey) return;
    this.viewKey = key;
    // A view that follows now moves every few seconds: the listing is reused for a while (new segments show
    // up to REFETCH_MS late) instead of listing the hour again each time.
    const last = this.fetched;
    let entries;
    if (last && last.camera === camera && last.startMs <= s.viewStartMs && s.viewEndMs - last.endMs < REFETCH_MS && Date.now() - last.at < REFETCH_MS) {
      entries = last.entries;
    } else {
      try {
        entries = await this.fetchEntries(camera, Math.max(0, s.viewStartMs), s.viewEndMs);
      } catch {
        return;
      }
      this.fetched = { camera, startMs: s.viewStartMs, endMs: s.viewEndMs, at: Date.now(), entries };
    }
    if (key !== this.viewKey) return; // the view moved on meanwhile
    this.entries = entries;
    // One picture per slot, drawn in the slot: the entry nearest the slot's middle, when one lies within it.
    const slotMs = (s.viewEndMs - s.viewStartMs) / slots;
    const canvases = [];
    for (let i = 0; i < slots; i++) {
      const from = s.viewStartMs + i * slotMs;
      const middle = from + slotMs / 2;
      let best;
      for (const e of entries) {
        if (e.wallMs + e.durationMs < from || e.wallMs > from + slotMs) continue;
        if (!best || Math.abs(e.wallMs - middle) < Math.abs(best.wallMs - middle)) best = e;
      }
      if (!best) continue;
      const canvas = document.createElement("canvas");
      canvas.width = THUMB_W;
      canvas.height = THUMB_H;
      canvas.style.left = `${(i / slots) * 100}%`;
      canvas.style.width = `calc(${100 / slots}% - 2px)`;
      canvas.title = new Date(best.wallMs).toLocaleTimeString([], { hour12: false });
      this.picture(best).then((bitmap) => {
        if (bitmap) canvas.getContext("2d").drawImage(bitmap, 0, 0, THUMB_W, THUMB_H);
        else if (this.stats.undecodable) this.sayUndecodable(strip, canvas);
      });
      canvases.push(canvas);
    }
    strip.replaceChildren(...canvases);
  }

  /** A picture of the strip is in a codec this browser cannot decode: its slot goes, and the strip says why. */
  sayUndecodable(strip, canvas) {
    canvas.remove();
    if (strip.querySelector(".thumbs-note")) return;
    const note = document.createElement("p");
    note.className = "thumbs-note";
    note.textContent = `No thumbnails: ${cannotDecodeText(this.stats.undecodable)}`;
    strip.prepend(note);
  }

  /** The picture under the pointer, above the timeline; wallMs undefined hides it. */
  async hover(wallMs, x) {
    const preview = document.getElementById("preview");
    this.previewAt = wallMs;
    if (!this.supported || wallMs === undefined || !this.camera()) {
      preview.hidden = true;
      return;
    }
    let entry = this.entries.find((e) => e.wallMs <= wallMs && wallMs < e.wallMs + e.durationMs);
    if (!entry) {
      // Outside the strip (or zoomed out): ask for the few entries around the pointer, once it rests a moment.
      await new Promise((resolve) => setTimeout(resolve, 120));
      if (this.previewAt !== wallMs) return;
      const around = await this.fetchEntries(this.camera(), wallMs - HOVER_WINDOW_MS, wallMs + HOVER_WINDOW_MS).catch(() => []);
      entry = around.find((e) => e.wallMs <= wallMs && wallMs < e.wallMs + e.durationMs);
    }
    if (this.previewAt !== wallMs) return;
    if (!entry) {
      preview.hidden = true;
      return;
    }
    const bitmap = await this.picture(entry);
    if (this.previewAt !== wallMs) return;
    if (!bitmap) {
      preview.hidden = true;
      return;
    }
    preview.getContext("2d").drawImage(bitmap, 0, 0, preview.width, preview.height);
    preview.style.left = `${x}px`;
    preview.hidden = false;
  }

  /** The decoded first picture of a segment (cached), or undefined when it cannot be had. */
  picture(entry) {
    let pending = this.pictures.get(entry.url);
    if (!pending) {
      pending = this.decode(entry).catch((err) => {
        if (err instanceof UndecodableError) {
          this.stats.undecodable = err.codec; // (kept: asking again gives the same answer)
          return undefined;
        }
        this.stats.failed++;
        this.stats.lastError = String(err && err.message ? err.message : err);
        this.pictures.delete(entry.url); // may work another time (network)
        return undefined;
      });
      this.pictures.set(entry.url, pending);
    }
    return pending;
  }

  async decode(entry) {
    const res = await fetch(entry.url, { headers: { Range: `bytes=0-${entry.bytes - 1}` } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const range = new Uint8Array(await res.arrayBuffer());
    if (isFragment(range)) {
      // fMP4: the sample is length-prefixed NAL units; the init segment's avcC / hvcC is the description.
      if (!entry.map) throw new Error("an fMP4 range without EXT-X-MAP");
      const track = await this.initTrack(entry.map);
      const sample = firstSample(range, track.trackId);
      if (!sample) throw new Error("no video sample in the range");
      return this.decodePicture({ codec: track.codec, description: track.description }, sample);
    }
    const annexB = firstPicture(range);
    if (!annexB) throw new Error("no picture in the range");
    const codec = avcCodecString(annexB);
    if (!codec) throw new Error("no SPS before the picture");
    // Without a `description` (avcC) the decoder takes Annex B, which is what a TS carries.
    return this.decodePicture({ codec }, annexB);
  }

  /** The video track of an fMP4 init segment (fetched once per URL). */
  initTrack(url) {
    let pending = this.initTracks.get(url);
    if (!pending) {
      pending = (async () => {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`HTTP ${res.status} for the init segment`);
        const track = initVideoTrack(new Uint8Array(await res.arrayBuffer()));
        if (!track) throw new Error("no H.264 or H.265 video track in the init segment");
        return track;
      })();
      pending.catch(() => this.initTracks.delete(url)); // may work another time (network)
      this.initTracks.set(url, pending);
    }
    return pending;
  }

  /** One key picture through WebCodecs, scaled to a thumbnail. */
  async decodePicture(config, data) {
    const full = { ...config, optimizeForLatency: true };
    const support = await VideoDecoder.isConfigSupported(full).catch(() => ({ supported: false }));
    if (!support.supported) throw new UndecodableError(config.codec);
    let scaled;
    let failure;
    const decoder = new VideoDecoder({
      // Scaled once here: the cache then holds small bitmaps, not frames of the camera's size.
      output: (frame) => {
        scaled ??= createImageBitmap(frame, { resizeWidth: THUMB_W, resizeHeight: THUMB_H }).finally(() => frame.close());
      },
      error: (err) => (failure = err),
    });
    try {
      decoder.configure(full);
      decoder.decode(new EncodedVideoChunk({ type: "key", timestamp: 0, data }));
      await decoder.flush();
    } finally {
      if (decoder.state !== "closed") decoder.close();
    }
    if (!scaled) throw failure ?? new Error("the decoder gave no picture");
    const bitmap = await scaled;
    this.stats.decoded++;
    return bitmap;
  }
}
