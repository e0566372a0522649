// The replay page: pick a camera and a day, see what was recorded, click the timeline to play from there.
// Talks to the playback API next to it (relative URLs, so the page also works behind a path prefix).
"use strict";

const $ = (id) => document.getElementById(id);
const cameraSelect = $("camera");
const dayInput = $("day");
const video = $("video");

/** Everything the page knows, on window.replay for debugging and for the end-to-end test. */
const state = {
  h264: typeof MediaSource !== "undefined" && MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E"'),
  camera: "",
  dayStartMs: 0,
  dayEndMs: 0,
  /** The part of the day the timeline shows (zoom). */
  viewStartMs: 0,
  viewEndMs: 0,
  /** Wall-clock time being played, or undefined. */
  playingMs: undefined,
  /** The range of the playlist in hls.js: {startMs, endMs}. */
  loaded: undefined,
  spans: [],
  hls: null,
  /** The playlist's fragments once loaded: {start (s), duration (s), programDateTime (ms)}. */
  fragments: [],
  /** Fragments hls.js has loaded, and every error it reported ({type, details, fatal}). */
  fragmentsLoaded: 0,
  errors: [],
  fatalErrors: [],
  /** Plays from a wall-clock time (ms since the epoch), like a click on the timeline. */
  playFrom: (wallMs) => playFrom(wallMs),
};
window.replay = state;

const setStatus = (text) => ($("status").textContent = text);
const pad = (n) => String(n).padStart(2, "0");
const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const timeOfDay = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });

async function getJson(url) {
  const res = await fetch(url);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ? body.error.message : `HTTP ${res.status}`);
  return body;
}

async function loadCameras() {
  const { cameras } = await getJson("cameras");
  cameraSelect.replaceChildren(...cameras.map((name) => new Option(name, name)));
  const wanted = new URLSearchParams(location.search).get("camera");
  if (wanted && cameras.includes(wanted)) cameraSelect.value = wanted;
  if (cameras.length === 0) setStatus("No cameras have recorded yet.");
}

/** Loads the recorded spans of the chosen local day and draws the timeline. */
async function loadDay() {
  stopPlayback();
  state.camera = cameraSelect.value;
  const [y, m, d] = dayInput.value.split("-").map(Number);
  state.dayStartMs = new Date(y, m - 1, d).getTime();
  state.dayEndMs = new Date(y, m - 1, d + 1).getTime();
  state.viewStartMs = state.dayStartMs;
  state.viewEndMs = state.dayEndMs;
  setZoomButton(state.dayEndMs - state.dayStartMs);
  state.spans = [];
  drawTimeline();
  if (!state.camera) return;
  history.replaceState(null, "", `?camera=${encodeURIComponent(state.camera)}&day=${dayInput.value}`);
  setStatus("Loading…");
  try {
    const range = `start=${new Date(state.dayStartMs).toISOString()}&end=${new Date(state.dayEndMs).toISOString()}`;
    const result = await getJson(`cameras/${encodeURIComponent(state.camera)}/spans?${range}`);
    state.spans = result.spans;
    const minutes = (result.recordedMs / 60000).toFixed(1);
    $("summary").textContent = state.spans.length
      ? `${minutes} min recorded in ${state.spans.length} span(s), first at ${timeOfDay(state.spans[0].startMs)}.`
      : "Nothing recorded on this day.";
    setStatus(state.spans.length ? "Click the timeline to play." : "");
  } catch (err) {
    setStatus(`Could not load the recordings: ${err.message}`);
  }
  drawTimeline();
}

/** Where a time falls on the timeline: 0 at its left edge, 1 at its right edge. */
const fraction = (ms) => (ms - state.viewStartMs) / (state.viewEndMs - state.viewStartMs);
const hhmm = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });

/** A tick step that gives at most 12 labels for the visible length. */
function tickStep(lengthMs) {
  const steps = [10e3, 30e3, 60e3, 5 * 60e3, 10 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3];
  return steps.find((step) => lengthMs / step <= 12) ?? steps[steps.length - 1];
}

function drawTimeline() {
  const length = state.viewEndMs - state.viewStartMs;
  const step = tickStep(length);
  const ticks = [];
  // Ticks on round local times (the day starts at local midnight, so whole steps from it are round).
  for (let t = state.dayStartMs + Math.ceil((state.viewStartMs - state.dayStartMs) / step) * step; t < state.viewEndMs; t += step) {
    const tick = document.createElement("span");
    tick.style.left = `${fraction(t) * 100}%`;
    tick.textContent = step < 60e3 ? timeOfDay(t) : hhmm(t);
    ticks.push(tick);
  }
  $("hours").replaceChildren(...ticks);
  const visible = state.spans.filter((span) => span.endMs > state.viewStartMs && span.startMs < state.viewEndMs);
  $("spans").replaceChildren(
    ...visible.map((span) => {
      const el = document.createElement("div");
      el.className = "span";
      const left = Math.max(0, fraction(span.startMs));
      el.style.left = `${left * 100}%`;
      el.style.width = `${(Math.min(1, fraction(span.endMs)) - left) * 100}%`;
      el.title = `${timeOfDay(span.startMs)} – ${timeOfDay(span.endMs)}`;
      return el;
    }),
  );
  $("view-range").textContent = length < 86400e3 ? `${timeOfDay(state.viewStartMs)} – ${timeOfDay(state.viewEndMs)}` : "";
  drawPlayhead();
}

function drawPlayhead() {
  const playhead = $("playhead");
  const at = state.playingMs === undefined ? -1 : fraction(state.playingMs);
  playhead.hidden = !(at >= 0 && at <= 1);
  playhead.style.left = `${at * 100}%`;
}

/** Shows `lengthMs` of the day around what is playing (or the first recording), within the day. */
function zoom(lengthMs) {
  const centre = state.playingMs ?? (state.spans[0] ? state.spans[0].startMs : state.dayStartMs + lengthMs / 2);
  const start = Math.min(Math.max(state.dayStartMs, centre - lengthMs / 2), state.dayEndMs - lengthMs);
  state.viewStartMs = Math.max(state.dayStartMs, start);
  state.viewEndMs = Math.min(state.dayEndMs, state.viewStartMs + lengthMs);
  setZoomButton(lengthMs);
  drawTimeline();
}

function setZoomButton(lengthMs) {
  for (const button of document.querySelectorAll("#zoom button")) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.span) === lengthMs));
  }
}

/** Plays from a wall-clock time: in the span that holds it, or from the start of the next span. */
function playFrom(wallMs) {
  const span = state.spans.find((s) => s.endMs > wallMs);
  if (!span) return setStatus("Nothing recorded after that time.");
  const target = Math.max(wallMs, span.startMs);
  const loaded = state.loaded;
  if (state.hls && state.fragments.length && loaded && target >= loaded.startMs && target < loaded.endMs) return seekToWallClock(target);
  stopPlayback();
  startPlayback(target);
}

/** How much a playlist covers around the chosen time: a 24/7 camera makes 1800 segments an hour. */
const WINDOW_BEFORE_MS = 30 * 60e3;
const WINDOW_AFTER_MS = 150 * 60e3;

/** Loads a playlist for a three-hour window of the day's recordings around `wallMs` and starts there. */
function startPlayback(wallMs) {
  if (!window.Hls || !Hls.isSupported()) return setStatus("This browser cannot play HLS through Media Source Extensions.");
  const startMs = Math.max(state.spans[0].startMs, wallMs - WINDOW_BEFORE_MS);
  const endMs = Math.min(state.spans[state.spans.length - 1].endMs + 1, wallMs + WINDOW_AFTER_MS);
  state.loaded = { startMs, endMs };
  const url = `cameras/${encodeURIComponent(state.camera)}/playlist.m3u8?start=${new Date(startMs).toISOString()}&end=${new Date(endMs).toISOString()}`;
  const hls = new Hls({ autoStartLoad: false });
  state.hls = hls;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    const entry = { type: data.type, details: data.details, fatal: data.fatal, reason: data.reason || (data.error && data.error.message) };
    state.errors.push(entry);
    if (data.fatal) {
      state.fatalErrors.push(entry);
      setStatus(`Playback failed: ${data.details}`);
    }
  });
  hls.on(Hls.Events.FRAG_LOADED, () => state.fragmentsLoaded++);
  hls.once(Hls.Events.LEVEL_LOADED, (_event, data) => {
    state.fragments = data.details.fragments.map((f) => ({ start: f.start, duration: f.duration, programDateTime: f.programDateTime }));
    const position = mediaTimeOf(wallMs);
    hls.startLoad(position);
    video.currentTime = position;
    play();
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  setStatus("Playing.");
}

/** Media time (s) in the playlist for a wall-clock time (ms), through each fragment's program date-time. */
function mediaTimeOf(wallMs) {
  const frag =
    state.fragments.find((f) => f.programDateTime <= wallMs && wallMs < f.programDateTime + f.duration * 1000) ??
    state.fragments.find((f) => f.programDateTime > wallMs) ??
    state.fragments[0];
  return frag.start + Math.max(0, (wallMs - frag.programDateTime) / 1000);
}

/** Wall-clock time (ms) of a media time (s), or undefined outside the playlist. */
function wallClockOf(mediaTime) {
  const frag = state.fragments.find((f) => f.start <= mediaTime && mediaTime < f.start + f.duration);
  return frag && frag.programDateTime + (mediaTime - frag.start) * 1000;
}

function seekToWallClock(wallMs) {
  video.currentTime = mediaTimeOf(wallMs);
  play();
}

function play() {
  video.play().catch((err) => {
    // Without a user gesture the browser may refuse sound: play muted rather than not at all.
    if (err.name === "NotAllowedError" && !video.muted) {
      video.muted = true;
      play();
    }
  });
}

function stopPlayback() {
  if (state.hls) state.hls.destroy();
  state.hls = null;
  state.fragments = [];
  state.playingMs = undefined;
  state.loaded = undefined;
  drawPlayhead();
  $("clock").textContent = "–";
}

video.addEventListener("timeupdate", () => {
  const wall = wallClockOf(video.currentTime);
  if (wall === undefined) return;
  $("clock").textContent = new Date(wall).toLocaleString([], { hour12: false });
  $("clock").dateTime = new Date(wall).toISOString();
  state.playingMs = wall;
  drawPlayhead();
});

$("timeline").addEventListener("click", (event) => {
  const box = event.currentTarget.getBoundingClientRect();
  const at = (event.clientX - box.left) / box.width;
  playFrom(state.viewStartMs + at * (state.viewEndMs - state.viewStartMs));
});
for (const button of document.querySelectorAll("#zoom button")) {
  button.addEventListener("click", () => zoom(Number(button.dataset.span)));
}
cameraSelect.addEventListener("change", loadDay);
dayInput.addEventListener("change", loadDay);

(async () => {
  $("codec-warning").hidden = state.h264;
  dayInput.value = new URLSearchParams(location.search).get("day") || localDay(new Date());
  try {
    await loadCameras();
    await loadDay();
  } catch (err) {
    setStatus(`Could not reach the server: ${err.message}`);
  }
})();
