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

const fraction = (ms) => (ms - state.dayStartMs) / (state.dayEndMs - state.dayStartMs);

function drawTimeline() {
  const hours = [];
  for (let h = 0; h < 24; h += 3) {
    const tick = document.createElement("span");
    tick.style.left = `${(h / 24) * 100}%`;
    tick.textContent = `${pad(h)}:00`;
    hours.push(tick);
  }
  $("hours").replaceChildren(...hours);
  $("spans").replaceChildren(
    ...state.spans.map((span) => {
      const el = document.createElement("div");
      el.className = "span";
      el.style.left = `${Math.max(0, fraction(span.startMs)) * 100}%`;
      el.style.width = `${(Math.min(1, fraction(span.endMs)) - Math.max(0, fraction(span.startMs))) * 100}%`;
      el.title = `${timeOfDay(span.startMs)} – ${timeOfDay(span.endMs)}`;
      return el;
    }),
  );
}

/** Plays from a wall-clock time: in the span that holds it, or from the start of the next span. */
function playFrom(wallMs) {
  const span = state.spans.find((s) => s.endMs > wallMs);
  if (!span) return setStatus("Nothing recorded after that time.");
  const target = Math.max(wallMs, span.startMs);
  if (state.hls && state.fragments.length) return seekToWallClock(target);
  stopPlayback();
  startPlayback(target);
}

/** Loads the day's playlist (from the first to the last recording) into hls.js and starts at `wallMs`. */
function startPlayback(wallMs) {
  if (!window.Hls || !Hls.isSupported()) return setStatus("This browser cannot play HLS through Media Source Extensions.");
  const first = state.spans[0].startMs;
  const last = state.spans[state.spans.length - 1].endMs;
  const url = `cameras/${encodeURIComponent(state.camera)}/playlist.m3u8?start=${new Date(first).toISOString()}&end=${new Date(last + 1).toISOString()}`;
  const hls = new Hls({ autoStartLoad: false });
  state.hls = hls;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    const entry = { type: data.type, details: data.details, fatal: data.fatal };
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
  $("playhead").hidden = true;
  $("clock").textContent = "–";
}

video.addEventListener("timeupdate", () => {
  const wall = wallClockOf(video.currentTime);
  if (wall === undefined) return;
  $("clock").textContent = new Date(wall).toLocaleString([], { hour12: false });
  $("clock").dateTime = new Date(wall).toISOString();
  const playhead = $("playhead");
  playhead.hidden = false;
  playhead.style.left = `${fraction(wall) * 100}%`;
});

$("timeline").addEventListener("click", (event) => {
  const box = event.currentTarget.getBoundingClientRect();
  const at = (event.clientX - box.left) / box.width;
  playFrom(state.dayStartMs + at * (state.dayEndMs - state.dayStartMs));
});
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
