// Thumbnails along the timeline and on hover (filled in with the I-frame playlist).
export class Thumbnails {
  constructor(state, timeline) {
    this.state = state;
    this.timeline = timeline;
  }
  refresh() {}
  hover() {}
}
