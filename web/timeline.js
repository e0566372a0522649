// The timeline: one row of recorded spans per camera over the visible part of the day, hour ticks, the playhead,
// the "now" edge, a selected range (for clips). It only draws and turns pointer positions into times; what a
// click or a drag means is the page's business (onPick, onSelect, onHover, onView).

const $ = (id) => document.getElementById(id);

/** How close (px) a click must be to a span to play from it rather than from the next span. */
export const SNAP_PX = 8;
/** Shortest view: below this the ticks would be seconds apart and spans mostly empty. */
const MIN_VIEW_MS = 60_000;
/** A drag longer than this (px) selects a range instead of clicking. */
const DRAG_PX = 5;

const pad = (n) => String(n).padStart(2, "0");
export const timeOfDay = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
const hhmm = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
export const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** A tick step that gives at most `max` labels for the visible length. */
function tickStep(lengthMs, max) {
  const steps = [10e3, 30e3, 60e3, 5 * 60e3, 10 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3];
  return steps.find((step) => lengthMs / step <= max) ?? steps[steps.length - 1];
}

export class Timeline {
  constructor(state, handlers) {
    this.state = state;
    this.handlers = handlers;
    this.el = $("timeline");
    this.el.addEventListener("pointerdown", (e) => this.pointerDown(e));
    this.el.addEventListener("pointermove", (e) => this.hover(e));
    this.el.addEventListener("pointerleave", () => handlers.onHover?.(undefined));
    this.el.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
  }

  /** Where a time falls on the timeline: 0 at its left edge, 1 at its right edge. */
  fraction(ms) {
    const s = this.state;
    return (ms - s.viewStartMs) / (s.viewEndMs - s.viewStartMs);
  }

  timeAtX(clientX) {
    const box = this.el.getBoundingClientRect();
    const s = this.state;
    return s.viewStartMs + ((clientX - box.left) / box.width) * (s.viewEndMs - s.viewStartMs);
  }

  msPerPixel() {
    const s = this.state;
    return (s.viewEndMs - s.viewStartMs) / Math.max(1, this.el.getBoundingClientRect().width);
  }

  /** Shows [startMs, endMs], never shorter than a minute. */
  setView(startMs, endMs) {
    const s = this.state;
    if (endMs - startMs < MIN_VIEW_MS) {
      const centre = (startMs + endMs) / 2;
      startMs = centre - MIN_VIEW_MS / 2;
      endMs = centre + MIN_VIEW_MS / 2;
    }
    s.viewStartMs = startMs;
    s.viewEndMs = endMs;
    this.draw();
    this.handlers.onView?.();
  }

  /** Zooms to `lengthMs` around what plays, or the middle of the view. */
  zoom(lengthMs, centre) {
    const s = this.state;
    centre ??= s.playingMs ?? (s.viewStartMs + s.viewEndMs) / 2;
    s.followNow = false;
    this.setView(centre - lengthMs / 2, centre + lengthMs / 2);
  }

  /** The view that shows what exists: the last hour while recording, else every span of the day with a margin. */
  fit() {
    const s = this.state;
    const spans = allSpans(s);
    const now = Date.now();
    s.followNow = s.recordingNow && s.dayEndMs > now;
    if (s.followNow) return this.setView(now - 3600e3 + 60e3, now + 60e3);
    if (spans.length === 0) return this.setView(s.dayStartMs, s.dayEndMs);
    const first = Math.min(...spans.map((x) => x.startMs));
    const last = Math.max(...spans.map((x) => x.endMs));
    const margin = Math.max(5_000, (last - first) * 0.05);
    this.setView(first - margin, last + margin);
  }

  draw() {
    const s = this.state;
    const length = s.viewEndMs - s.viewStartMs;
    const width = this.el.getBoundingClientRect().width || 1000;
    const step = tickStep(length, Math.max(3, Math.floor(width / 70)));
    const ticks = [];
    // Ticks on round local times: whole steps from the local midnight of the chosen day.
    for (let t = s.dayStartMs + Math.ceil((s.viewStartMs - s.dayStartMs) / step) * step; t < s.viewEndMs; t += step) {
      const tick = document.createElement("span");
      tick.style.left = `${this.fraction(t) * 100}%`;
      tick.textContent = step < 60e3 ? timeOfDay(t) : hhmm(t);
      ticks.push(tick);
    }
    $("hours").replaceChildren(...ticks);
    const rows = s.cameras.map((camera) => {
      const row = document.createElement("div");
      row.className = "row";
      row.dataset.camera = camera;
      const spans = (s.spansByCamera[camera] ?? []).filter((x) => x.endMs > s.viewStartMs && x.startMs < s.viewEndMs);
      row.replaceChildren(
        ...spans.map((span) => {
          const el = document.createElement("div");
          el.className = "span";
          const left = Math.max(0, this.fraction(span.startMs));
          el.style.left = `${left * 100}%`;
          el.style.width = `${(Math.min(1, this.fraction(span.endMs)) - left) * 100}%`;
          el.title = `${camera}: ${timeOfDay(span.startMs)} – ${timeOfDay(span.endMs)}`;
          return el;
        }),
      );
      if (s.cameras.length > 1) {
        const label = document.createElement("span");
        label.className = "row-label";
        label.textContent = camera;
        row.append(label);
      }
      return row;
    });
    $("spans").replaceChildren(...rows);
    $("spans").style.setProperty("--rows", String(Math.max(1, rows.length)));
    // Everything after now is the future: shaded, with an edge at now.
    const now = Date.now();
    const future = $("future");
    const nowAt = this.fraction(now);
    future.hidden = nowAt >= 1;
    future.style.left = `${Math.max(0, nowAt) * 100}%`;
    const sel = $("selection");
    sel.hidden = !s.selection;
    if (s.selection) {
      const a = Math.max(0, this.fraction(s.selection.startMs));
      sel.style.left = `${a * 100}%`;
      sel.style.width = `${Math.max(0, Math.min(1, this.fraction(s.selection.endMs)) - a) * 100}%`;
    }
    $("view-range").textContent = `${timeOfDay(s.viewStartMs)} – ${timeOfDay(s.viewEndMs)}`;
    this.drawPlayhead();
  }

  drawPlayhead() {
    const playhead = $("playhead");
    const at = this.state.playingMs === undefined ? -1 : this.fraction(this.state.playingMs);
    playhead.hidden = !(at >= 0 && at <= 1);
    playhead.style.left = `${at * 100}%`;
  }

  /** A click plays; a drag selects a range. */
  pointerDown(event) {
    if (event.button !== 0) return;
    const startX = event.clientX;
    const startMs = this.timeAtX(startX);
    let dragging = false;
    const move = (e) => {
      if (!dragging && Math.abs(e.clientX - startX) < DRAG_PX) return;
      dragging = true;
      const at = this.timeAtX(e.clientX);
      this.state.selection = { startMs: Math.min(startMs, at), endMs: Math.max(startMs, at) };
      this.draw();
    };
    const up = (e) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      if (dragging) this.handlers.onSelect(this.state.selection);
      else this.handlers.onPick(this.timeAtX(e.clientX), this.msPerPixel());
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  hover(event) {
    this.handlers.onHover?.(this.timeAtX(event.clientX), event.clientX - this.el.getBoundingClientRect().left);
  }

  /** The wheel zooms around the pointer (shift or a sideways wheel pans). */
  wheel(event) {
    event.preventDefault();
    const s = this.state;
    s.followNow = false;
    const length = s.viewEndMs - s.viewStartMs;
    if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      const shift = ((event.deltaX || event.deltaY) / 500) * length;
      return this.setView(s.viewStartMs + shift, s.viewEndMs + shift);
    }
    const at = this.timeAtX(event.clientX);
    const factor = Math.min(4, Math.max(0.25, Math.exp(event.deltaY / 300)));
    const newLength = Math.min(86400e3 * 1.05, length * factor);
    const f = (at - s.viewStartMs) / length;
    this.setView(at - f * newLength, at + (1 - f) * newLength);
  }
}

/** Every span of every shown camera, in time order. */
export function allSpans(state) {
  return state.cameras.flatMap((c) => state.spansByCamera[c] ?? []).sort((a, b) => a.startMs - b.startMs);
}

/**
 * Where a click at `wallMs` should play from: inside a span, that time; within `snapMs` of a span, its nearest
 * recorded time (a little before a span's end, so something plays); else the start of the next span.
 */
export function recordedTimeNear(spans, wallMs, snapMs) {
  let best;
  for (const span of spans) {
    if (span.startMs <= wallMs && wallMs < span.endMs) return wallMs;
    const distance = wallMs < span.startMs ? span.startMs - wallMs : wallMs - span.endMs;
    if (distance <= snapMs && (!best || distance < best.distance)) {
      best = { distance, at: wallMs < span.startMs ? span.startMs : Math.max(span.startMs, span.endMs - 2000) };
    }
  }
  if (best) return best.at;
  return spans.find((s) => s.startMs > wallMs)?.startMs;
}
