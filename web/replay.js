// The replay page: pick a camera (or a grid of them) and a day, see what was recorded, click the timeline to play
// from there, follow a camera live, take a clip away. Talks to the playback API next to it (relative URLs, so the
// page also works behind a path prefix). Timeline, videos and thumbnails are modules of their own.
import { Timeline, allSpans, recordedTimeNear, SNAP_PX, localDay, timeOfDay } from "./timeline.js";
import { Grid } from "./grid.js";
import { WINDOW_BEFORE_MS, WINDOW_AFTER_MS } from "./player.js";
import { Thumbnails } from "./thumbnails.js";

const $ = (id) => document.getElementById(id);
const cameraSelect = $("camera");
const dayInput = $("day");

/** How often the spans are fetched again while the day includes now (a camera may be recording). */
const POLL_MS = 4000;
/** A camera whose last segment ended less than this ago counts as recording now. */
const RECORDING_NOW_MS = 60_000;
/** Seek steps of the arrow keys. */
const SEEK_MS = 5000;
const SEEK_LONG_MS = 60_000;

/** Everything the page knows, on window.replay for debugging and for the end-to-end test. */
const state = {
  h264: typeof MediaSource !== "undefined" && MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E"'),
  allCameras: [],
  /** The cameras shown: the chosen one, or the grid's. */
  cameras: [],
  gridMode: false,
  dayStartMs: 0,
  dayEndMs: 0,
  viewStartMs: 0,
  viewEndMs: 0,
  /** True while the view keeps the present at its right edge (opened on a camera recording now). */
  followNow: false,
  recordingNow: false,
  spansByCamera: {},
  /** The chosen camera's spans. */
  spans: [],
  /** Wall-clock time being played, or undefined. */
  playingMs: undefined,
  live: false,
  latencyMs: undefined,
  /** A range dragged on the timeline: {startMs, endMs}, for a clip. */
  selection: undefined,
  /** Frame interval measured from the decoded frames (s); 25 fps until measured. */
  frameInterval: 1 / 25,
  frameMeasured: false,
  fragmentsLoaded: 0,
  errors: [],
  fatalErrors: [],
  clipUrl: undefined,
  playFrom: (wallMs) => playFrom(wallMs),
};
window.replay = state;

const setStatus = (text) => ($("status").textContent = text);

const timeline = new Timeline(state, {
  onPick: (wallMs, msPerPixel) => pick(wallMs, msPerPixel),
  onSelect: (selection) => selectClip(selection),
  onHover: (wallMs, x) => thumbnails.hover(wallMs, x),
  onView: () => {
    clearTimeout(state.viewSettled);
    state.viewSettled = setTimeout(() => thumbnails.refresh(), 200);
  },
});
const grid = new Grid($("videos"), state, (wallMs) => showTime(wallMs));
state.grid = grid;
const thumbnails = new Thumbnails(state, timeline);
state.thumbnails = thumbnails;

async function getJson(url) {
  const res = await fetch(url);
  // A server with authentication answers 401 until the user logs in: its login form comes back here after.
  if (res.status === 401) {
    location.href = "login.html";
    throw new Error("log in first");
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ? body.error.message : `HTTP ${res.status}`);
  return body;
}

async function loadCameras() {
  const { cameras } = await getJson("cameras");
  state.allCameras = cameras;
  cameraSelect.replaceChildren(...cameras.map((name) => new Option(name, name)));
  const params = new URLSearchParams(location.search);
  const wanted = params.get("camera");
  if (wanted && cameras.includes(wanted)) cameraSelect.value = wanted;
  const gridParam = params.get("grid");
  if (gridParam !== null) state.gridMode = true;
  state.gridChoice = gridParam ? gridParam.split(",").filter((c) => cameras.includes(c)) : [];
  if (cameras.length === 0) setStatus("No cameras have recorded yet.");
}

/** The cameras to show: in a grid the chosen ones (?grid=a,b) or all; else the selected one. */
function shownCameras() {
  if (!state.gridMode) return cameraSelect.value ? [cameraSelect.value] : [];
  return state.gridChoice.length ? state.gridChoice : state.allCameras;
}

/** In a grid, a checkbox per camera chooses which are shown (all when none is chosen). */
function drawGridPicker() {
  $("grid-pick").hidden = !state.gridMode;
  $("grid-cameras").replaceChildren(
    ...state.allCameras.map((camera) => {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = camera;
      box.checked = state.cameras.includes(camera);
      box.addEventListener("change", () => {
        const chosen = [...$("grid-cameras").querySelectorAll("input")].filter((b) => b.checked).map((b) => b.value);
        state.gridChoice = chosen.length === state.allCameras.length ? [] : chosen;
        loadDay();
      });
      label.append(box, camera);
      return label;
    }),
  );
}

/** Fetches the spans of the shown cameras for the chosen day. */
async function fetchSpans() {
  const { cameras, dayStartMs } = state;
  const range = `start=${new Date(state.dayStartMs).toISOString()}&end=${new Date(state.dayEndMs).toISOString()}`;
  const results = await Promise.all(cameras.map((c) => getJson(`cameras/${encodeURIComponent(c)}/spans?${range}`)));
  // A poll that was under way when the camera or the day changed has nothing to say about the new ones.
  if (cameras !== state.cameras || dayStartMs !== state.dayStartMs) return;
  state.spansByCamera = Object.fromEntries(results.map((r, i) => [cameras[i], r.spans]));
  state.spans = state.spansByCamera[cameraSelect.value] ?? allSpans(state);
  const now = Date.now();
  state.recordingNow = allSpans(state).some((s) => s.endMs > now - RECORDING_NOW_MS);
  const recordedMs = results.reduce((sum, r) => sum + r.recordedMs, 0);
  const spans = allSpans(state);
  $("summary").textContent = spans.length
    ? `${(recordedMs / 60000).toFixed(1)} min recorded in ${spans.length} span(s), first at ${timeOfDay(spans[0].startMs)}${state.recordingNow ? ", recording now" : ""}.`
    : "Nothing recorded on this day.";
}

/** Loads the recorded spans of the chosen local day, zooms the timeline to them and sets up the videos. */
async function loadDay() {
  state.live = false;
  state.playingMs = undefined;
  state.selection = undefined;
  $("clock").textContent = "";
  $("latency").textContent = "";
  $("live").setAttribute("aria-pressed", "false");
  updateClip();
  state.cameras = shownCameras();
  if (!dayInput.value) dayInput.value = localDay(new Date()); // a cleared date field means today
  const [y, m, d] = dayInput.value.split("-").map(Number);
  state.dayStartMs = new Date(y, m - 1, d).getTime();
  state.dayEndMs = new Date(y, m - 1, d + 1).getTime();
  state.spansByCamera = {};
  state.spans = [];
  grid.show(state.cameras);
  $("grid-toggle").setAttribute("aria-pressed", String(state.gridMode));
  drawGridPicker();
  if (state.cameras.length === 0) return timeline.fit();
  const query = new URLSearchParams({ camera: cameraSelect.value, day: dayInput.value });
  if (state.gridMode) query.set("grid", state.gridChoice.join(","));
  history.replaceState(null, "", `?${query.toString().replace(/%2C/g, ",")}`);
  setStatus("Loading…");
  try {
    await fetchSpans();
    setStatus(allSpans(state).length ? "Click the timeline to play." : "");
  } catch (err) {
    setStatus(`Could not load the recordings: ${err.message}`);
  }
  timeline.fit();
}

/** While the day includes now: new spans, the moving "now" edge, and a view that follows it. */
async function poll() {
  if (!state.cameras.length || state.dayEndMs < Date.now() - RECORDING_NOW_MS) return;
  try {
    await fetchSpans();
  } catch {
    return; // the next poll tries again; the status keeps what the user did last
  }
  if (state.followNow) {
    const length = state.viewEndMs - state.viewStartMs;
    const end = Date.now() + 60e3;
    timeline.setView(end - length, end);
  } else {
    timeline.draw();
    thumbnails.refresh();
  }
}

/** A click on the timeline: play from the recorded time nearest to it (within a few pixels), or the next span. */
function pick(wallMs, msPerPixel) {
  const at = recordedTimeNear(allSpans(state), wallMs, SNAP_PX * msPerPixel);
  if (at === undefined) return setStatus("Nothing recorded after that time.");
  playFrom(at);
}

function playFrom(wallMs) {
  state.live = false;
  $("live").setAttribute("aria-pressed", "false");
  $("latency").textContent = "";
  state.playingMs = wallMs;
  // A camera without a recording in the window a player would load is not asked (its playlist would be a 404).
  const recordedNear = (camera) =>
    (state.spansByCamera[camera] ?? []).some((s) => s.endMs > wallMs - WINDOW_BEFORE_MS && s.startMs < wallMs + WINDOW_AFTER_MS);
  grid.playFrom(wallMs, recordedNear);
  setStatus(`Playing from ${timeOfDay(wallMs)}.`);
  timeline.drawPlayhead();
}

function goLive() {
  // Live is today: a past day's page moves to today first.
  if (state.dayEndMs < Date.now()) {
    dayInput.value = localDay(new Date());
    return void loadDay().then(goLive);
  }
  state.live = true;
  $("live").setAttribute("aria-pressed", "true");
  grid.playLive();
  setStatus("Live.");
}

function showTime(wallMs) {
  if (wallMs === undefined) return;
  state.playingMs = wallMs;
  $("clock").textContent = new Date(wallMs).toLocaleString([], { hour12: false });
  $("clock").dateTime = new Date(wallMs).toISOString();
  // Keep the playhead in view (a view following now stops following when what plays leaves it).
  if (wallMs < state.viewStartMs || wallMs > state.viewEndMs) {
    state.followNow = false;
    const length = state.viewEndMs - state.viewStartMs;
    timeline.setView(wallMs - length / 4, wallMs + (length * 3) / 4);
  }
  timeline.drawPlayhead();
}

/** Once a second: the live latency, the play button, the now edge. */
function tick() {
  const leader = grid.leader();
  if (state.live && leader) {
    state.latencyMs = leader.latencyMs();
    $("latency").textContent = state.latencyMs === undefined ? "waiting for the live edge…" : `${(state.latencyMs / 1000).toFixed(1)} s behind real time`;
  }
  $("play-pause").textContent = leader && !leader.video.paused ? "❚❚" : "▶";
  timeline.draw();
}

function togglePlay() {
  const leader = grid.leader();
  if (!leader || !leader.hls) {
    const first = allSpans(state)[0];
    if (first) playFrom(first.startMs);
    return;
  }
  if (leader.video.paused) grid.each((p) => p.play());
  else grid.each((p) => p.video.pause());
}

/** Seeks by `ms`; a seek into a gap goes on to the next recording (forward) or the end of the previous one (back). */
function seekBy(ms) {
  if (state.playingMs === undefined) return;
  const spans = allSpans(state);
  const target = state.playingMs + ms;
  const inside = spans.some((s) => s.startMs <= target && target < s.endMs);
  const previous = [...spans].reverse().find((s) => s.endMs <= target);
  const at = inside ? target : ms > 0 ? spans.find((s) => s.startMs > target)?.startMs : previous && Math.max(previous.startMs, previous.endMs - 2000);
  if (at === undefined) return setStatus(ms > 0 ? "No later recording on this day." : "No earlier recording on this day.");
  playFrom(at);
}

/** Pauses and moves one frame (at the stream's measured frame rate) forward or back. */
function frameStep(direction) {
  grid.each((p) => {
    p.video.pause();
    if (p.hls) p.video.currentTime = Math.max(0, p.video.currentTime + direction * state.frameInterval);
  });
}

/** Plays from the start of the next recording, or of this one (or the previous one when at its start). */
function jumpRecording(direction) {
  const spans = allSpans(state);
  const now = state.playingMs ?? state.viewStartMs;
  const target =
    direction > 0
      ? spans.find((s) => s.startMs > now + 500)
      : [...spans].reverse().find((s) => s.startMs < now - 2000);
  if (!target) return setStatus(direction > 0 ? "No later recording on this day." : "No earlier recording on this day.");
  playFrom(target.startMs);
}

function selectClip(selection) {
  state.selection = selection;
  updateClip();
}

/** The clip link for the selection: the server remuxes the range to MP4 (GET /cameras/<cam>/clip.mp4). */
function updateClip() {
  const link = $("clip");
  const sel = state.selection;
  const camera = state.gridMode ? grid.leader()?.camera ?? state.cameras[0] : cameraSelect.value;
  if (!sel || !camera) {
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
    $("selection-text").textContent = "Drag on the timeline to select a clip.";
    state.clipUrl = undefined;
    return;
  }
  const start = new Date(sel.startMs).toISOString();
  const end = new Date(sel.endMs).toISOString();
  state.clipUrl = `cameras/${encodeURIComponent(camera)}/clip.mp4?start=${start}&end=${end}`;
  link.href = state.clipUrl;
  link.download = `${camera}_${start.replace(/[:.]/g, "-")}.mp4`;
  link.setAttribute("aria-disabled", "false");
  $("selection-text").textContent = `${camera}: ${timeOfDay(sel.startMs)} – ${timeOfDay(sel.endMs)} (${Math.round((sel.endMs - sel.startMs) / 1000)} s)`;
}

/** Measures the frame interval from consecutive decoded frames (requestVideoFrameCallback's media times). */
function measureFrameRate(video) {
  if (!video.requestVideoFrameCallback) return;
  let last;
  const onFrame = (_now, meta) => {
    const step = last === undefined ? 0 : meta.mediaTime - last;
    // The smallest step between shown frames is one frame (a busy machine skips frames, never halves them);
    // the first plausible one replaces the 25 fps guess.
    if (step > 1 / 121 && step < 1 / 4 && (!state.frameMeasured || step < state.frameInterval)) {
      state.frameInterval = step;
      state.frameMeasured = true;
    }
    last = meta.mediaTime;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    " ": togglePlay,
    ArrowLeft: () => seekBy(-(event.shiftKey ? SEEK_LONG_MS : SEEK_MS)),
    ArrowRight: () => seekBy(event.shiftKey ? SEEK_LONG_MS : SEEK_MS),
    ",": () => frameStep(-1),
    ".": () => frameStep(1),
    "[": () => jumpRecording(-1),
    "]": () => jumpRecording(1),
    l: goLive,
  };
  const action = actions[event.key];
  if (!action) return;
  event.preventDefault();
  action();
});

for (const button of document.querySelectorAll("#zoom button[data-span]")) {
  button.addEventListener("click", () => timeline.zoom(Number(button.dataset.span)));
}
$("fit").addEventListener("click", () => timeline.fit());
$("play-pause").addEventListener("click", togglePlay);
$("frame-back").addEventListener("click", () => frameStep(-1));
$("frame-fwd").addEventListener("click", () => frameStep(1));
$("prev-rec").addEventListener("click", () => jumpRecording(-1));
$("next-rec").addEventListener("click", () => jumpRecording(1));
$("live").addEventListener("click", goLive);
$("speed").addEventListener("change", () => grid.each((p) => p.setRate(Number($("speed").value))));
$("grid-toggle").addEventListener("click", () => {
  state.gridMode = !state.gridMode;
  loadDay();
});
$("clip").addEventListener("click", (event) => {
  if (!state.clipUrl) event.preventDefault();
});
cameraSelect.addEventListener("change", loadDay);
dayInput.addEventListener("change", loadDay);
new ResizeObserver(() => {
  timeline.draw();
  timeline.handlers.onView(); // as many thumbnails as the new width has room for
}).observe($("timeline"));

(async () => {
  $("codec-warning").hidden = state.h264;
  dayInput.value = new URLSearchParams(location.search).get("day") || localDay(new Date());
  try {
    await loadCameras();
    await loadDay();
  } catch (err) {
    setStatus(`Could not reach the server: ${err.message}`);
  }
  setInterval(poll, POLL_MS);
  setInterval(tick, 1000);
  new MutationObserver(() => grid.each((p) => measureFrameRate(p.video))).observe($("videos"), { childList: true });
  grid.each((p) => measureFrameRate(p.video));
})();
