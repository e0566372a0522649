// A minimal ISO BMFF reader (ISO/IEC 14496-12) for the fMP4 tests, written from the spec independently of
// assembly/mp4-boxes.ts: boxes and their sizes, a fragment's moof (mfhd, traf/tfhd/tfdt/trun), the init segment's
// tracks, and the length-prefixed NAL units of a sample. Structural failures are vitest expectations.
import { expect } from "vitest";

export interface Box {
  type: string;
  start: number;
  size: number;
  /** Where the payload starts (after size and type). */
  body: number;
}

export function boxes(bytes: Uint8Array, start: number, end: number): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Box[] = [];
  for (let at = start; at < end; ) {
    expect(end - at, "room for a box header").toBeGreaterThanOrEqual(8);
    const size = view.getUint32(at);
    expect(size, "box size").toBeGreaterThanOrEqual(8);
    expect(at + size, "box inside its parent").toBeLessThanOrEqual(end);
    out.push({ type: String.fromCharCode(...bytes.subarray(at + 4, at + 8)), start: at, size, body: at + 8 });
    at += size;
  }
  return out;
}

export const child = (bytes: Uint8Array, parent: Box, type: string, headerExtra = 0): Box[] =>
  boxes(bytes, parent.body + headerExtra, parent.start + parent.size).filter((b) => b.type === type);

export interface Run {
  dataOffset: number;
  samples: { duration: number; size: number; flags?: number; cto?: number }[];
}

export interface Traf {
  track: number;
  tfdt: bigint;
  runs: Run[];
}

export interface Fragment {
  sequence: number;
  moofStart: number;
  mdatStart: number;
  mdatEnd: number;
  trafs: Traf[];
}

export function readFragment(bytes: Uint8Array): Fragment {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const top = boxes(bytes, 0, bytes.byteLength);
  expect(top.map((b) => b.type)).toEqual(["moof", "mdat"]);
  const [moof, mdat] = top as [Box, Box];
  const mfhd = child(bytes, moof, "mfhd")[0]!;
  const trafs = child(bytes, moof, "traf").map((traf) => {
    const tfhd = child(bytes, traf, "tfhd")[0]!;
    const tfhdFlags = view.getUint32(tfhd.body) & 0xffffff;
    expect(tfhdFlags & 0x020000, "default-base-is-moof").not.toBe(0);
    const tfdt = child(bytes, traf, "tfdt")[0]!;
    const version = bytes[tfdt.body]!;
    const runs = child(bytes, traf, "trun").map((trun) => {
      const flags = view.getUint32(trun.body) & 0xffffff;
      const count = view.getUint32(trun.body + 4);
      let at = trun.body + 8;
      expect(flags & 1, "data offset present").toBe(1);
      const dataOffset = view.getInt32(at);
      at += 4;
      if (flags & 4) at += 4;
      const samples = [];
      for (let i = 0; i < count; i++) {
        const s: Run["samples"][number] = { duration: 0, size: 0 };
        if (flags & 0x100) (s.duration = view.getUint32(at)), (at += 4);
        if (flags & 0x200) (s.size = view.getUint32(at)), (at += 4);
        if (flags & 0x400) (s.flags = view.getUint32(at)), (at += 4);
        if (flags & 0x800) (s.cto = view.getUint32(at)), (at += 4);
        samples.push(s);
      }
      expect(at, "trun entries fill the box").toBe(trun.start + trun.size);
      return { dataOffset, samples };
    });
    return {
      track: view.getUint32(tfhd.body + 4),
      tfdt: version === 1 ? view.getBigUint64(tfdt.body + 4) : BigInt(view.getUint32(tfdt.body + 4)),
      runs,
    };
  });
  return { sequence: view.getUint32(mfhd.body + 4), moofStart: moof.start, mdatStart: mdat.body, mdatEnd: mdat.start + mdat.size, trafs };
}

/** The track IDs and timescales the init segment declares: moov/trak/(tkhd, mdia/mdhd), and one trex per track. */
export function readInit(bytes: Uint8Array): Map<number, { timescale: number; handler: string }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const top = boxes(bytes, 0, bytes.byteLength);
  expect(top.map((b) => b.type)).toEqual(["ftyp", "moov"]);
  const moov = top[1]!;
  const tracks = new Map<number, { timescale: number; handler: string }>();
  for (const trak of child(bytes, moov, "trak")) {
    const tkhd = child(bytes, trak, "tkhd")[0]!;
    const mdia = child(bytes, trak, "mdia")[0]!;
    const mdhd = child(bytes, mdia, "mdhd")[0]!;
    const hdlr = child(bytes, mdia, "hdlr")[0]!;
    tracks.set(view.getUint32(tkhd.body + 12), {
      timescale: view.getUint32(mdhd.body + 12),
      handler: String.fromCharCode(...bytes.subarray(hdlr.body + 8, hdlr.body + 12)),
    });
  }
  const trex = child(bytes, child(bytes, moov, "mvex")[0]!, "trex").map((t) => view.getUint32(t.body + 4));
  expect(trex.sort()).toEqual([...tracks.keys()].sort());
  return tracks;
}

/** The NAL units of a sample of 4-byte-length-prefixed NAL units; the lengths must fill it. */
export function nalUnitsOf(sample: Uint8Array): Uint8Array[] {
  const view = new DataView(sample.buffer, sample.byteOffset, sample.byteLength);
  const units = [];
  let at = 0;
  while (at < sample.byteLength) {
    const length = view.getUint32(at);
    expect(length).toBeGreaterThan(0);
    units.push(sample.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  expect(at, "NAL lengths fill the sample").toBe(sample.byteLength);
  return units;
}


export interface HevcConfig {
  sampleEntry: string;
  profileSpace: number;
  tier: number;
  profileIdc: number;
  compatibility: number;
  constraints: string;
  levelIdc: number;
  minSpatialSegmentation: number;
  parallelismType: number;
  chromaFormat: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  avgFrameRate: number;
  constantFrameRate: number;
  numTemporalLayers: number;
  temporalIdNested: number;
  lengthSizeMinusOne: number;
  /** Per array: completeness, NAL unit type, the NAL units (hex). */
  arrays: { complete: number; type: number; units: string[] }[];
}

/**
 * The video sample entry of an init segment (moov/trak/mdia/minf/stbl/stsd) and its HEVCDecoderConfigurationRecord
 * (ISO/IEC 14496-15 8.3.3.1.2), field by field.
 */
export function readHvcC(bytes: Uint8Array): HevcConfig {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const moov = boxes(bytes, 0, bytes.byteLength).find((b) => b.type === "moov")!;
  const entries = child(bytes, moov, "trak").flatMap((trak) => {
    const stbl = child(bytes, child(bytes, child(bytes, trak, "mdia")[0]!, "minf")[0]!, "stbl")[0]!;
    return child(bytes, stbl, "stsd").flatMap((stsd) => boxes(bytes, stsd.body + 8, stsd.start + stsd.size));
  });
  const entry = entries.find((e) => e.type === "hvc1" || e.type === "hev1");
  expect(entry, "an HEVC sample entry").toBeDefined();
  // VisualSampleEntry: 6 reserved, data_reference_index, 16 pre-defined/reserved, size, resolution... 78 bytes.
  const hvcC = child(bytes, entry!, "hvcC", 78)[0]!;
  expect(hvcC, "hvcC").toBeDefined();
  let at = hvcC.body;
  const u8 = () => bytes[at++]!;
  const u16 = () => ((at += 2), view.getUint16(at - 2));
  expect(u8(), "configurationVersion").toBe(1);
  const ptl = u8();
  const compatibility = view.getUint32(at);
  at += 4;
  const constraints = Buffer.from(bytes.subarray(at, at + 6)).toString("hex");
  at += 6;
  const levelIdc = u8();
  const config: HevcConfig = {
    sampleEntry: entry!.type,
    profileSpace: ptl >> 6,
    tier: (ptl >> 5) & 1,
    profileIdc: ptl & 0x1f,
    compatibility,
    constraints,
    levelIdc,
    minSpatialSegmentation: u16() & 0xfff,
    parallelismType: u8() & 3,
    chromaFormat: u8() & 3,
    bitDepthLuma: (u8() & 7) + 8,
    bitDepthChroma: (u8() & 7) + 8,
    avgFrameRate: u16(),
    constantFrameRate: 0,
    numTemporalLayers: 0,
    temporalIdNested: 0,
    lengthSizeMinusOne: 0,
    arrays: [],
  };
  const packed = u8();
  config.constantFrameRate = packed >> 6;
  config.numTemporalLayers = (packed >> 3) & 7;
  config.temporalIdNested = (packed >> 2) & 1;
  config.lengthSizeMinusOne = packed & 3;
  const arrays = u8();
  for (let i = 0; i < arrays; i++) {
    const head = u8();
    const count = u16();
    const units: string[] = [];
    for (let n = 0; n < count; n++) {
      const length = u16();
      units.push(Buffer.from(bytes.subarray(at, at + length)).toString("hex"));
      at += length;
    }
    config.arrays.push({ complete: head >> 7, type: head & 0x3f, units });
  }
  expect(at, "the arrays fill hvcC").toBe(hvcC.start + hvcC.size);
  return config;
}
