// An independent MPEG-TS reader for the tests, written from ISO/IEC 13818-1 (transport packets 2.4.3, adaptation
// field 2.4.3.4, PES 2.4.3.6, PAT/PMT 2.4.4) and ITU-T H.264 Annex B. It shares no code with the muxer on purpose:
// it is the second opinion on every segment the muxer writes.
//
// parseTs() turns segment bytes into packets, PSI tables and PES packets; checkSegment() applies the HLS/MPEG-TS
// rules the muxer promises and returns every violation it finds as a readable string.

export const TS_PACKET_SIZE = 188;
const SYNC_BYTE = 0x47;
const PAT_PID = 0x0000;
/** DVB service description table: ffmpeg writes one; it is PSI, not PES, and HLS does not need it. */
export const SDT_PID = 0x0011;
const NULL_PID = 0x1fff;

export const STREAM_TYPE_H264 = 0x1b;
export const STREAM_TYPE_AAC_ADTS = 0x0f;

/** 90 kHz ticks per millisecond (PTS/DTS clock); the PCR runs at 27 MHz = 300 × 90 kHz. */
const TICKS_PER_MS = 90;

/** PTS, DTS and the PCR base are 33-bit counters that wrap (every 26.5 hours). */
const TIMESTAMP_WRAP = 2 ** 33;
const PCR_WRAP = TIMESTAMP_WRAP * 300;

/** to − from on a wrapping clock, as a signed difference in [−wrap/2, wrap/2). */
function wrappedDiff(from: number, to: number, wrap = TIMESTAMP_WRAP): number {
  const d = (((to - from) % wrap) + wrap) % wrap;
  return d >= wrap / 2 ? d - wrap : d;
}

export interface AdaptationField {
  discontinuity: boolean;
  randomAccess: boolean;
  /** Program clock reference in 27 MHz units (base × 300 + extension), when present. */
  pcr?: number;
}

export interface TsPacket {
  /** Position in the segment, 0-based (byte offset = index × 188). */
  index: number;
  syncByteOk: boolean;
  transportError: boolean;
  pusi: boolean;
  pid: number;
  scrambling: number;
  cc: number;
  adaptation?: AdaptationField;
  /** The packet's payload bytes (empty when adaptation_field_control says "no payload"). */
  payload: Uint8Array;
  hasPayload: boolean;
}

export interface PatTable {
  packetIndex: number;
  crcOk: boolean;
  transportStreamId: number;
  /** program_number → PID of its PMT (program 0, the network PID, is left out). */
  programs: { programNumber: number; pmtPid: number }[];
}

export interface PmtStream {
  streamType: number;
  pid: number;
}

export interface PmtTable {
  packetIndex: number;
  pid: number;
  crcOk: boolean;
  programNumber: number;
  pcrPid: number;
  streams: PmtStream[];
}

export interface PesPacket {
  pid: number;
  /** Index of the TS packet that starts this PES. */
  packetIndex: number;
  streamId: number;
  /** PES_packet_length as written (0 = unbounded, allowed for video only). */
  declaredLength: number;
  /** Bytes actually carried after the 6-byte PES start, summed over its TS packets. */
  actualLength: number;
  pts?: number;
  dts?: number;
  /** False when a marker bit in the header is wrong or the header is cut short. */
  headerOk: boolean;
  /** The elementary stream bytes (after the PES header). */
  payload: Uint8Array;
  /** For H.264: NAL unit types in payload order, and whether the payload begins with a start code. */
  nalTypes: number[];
  startsWithStartCode: boolean;
  /** Whether the PES ran to the end of the segment (the last PES per PID). */
  complete: boolean;
}

export interface ParsedTs {
  packets: TsPacket[];
  pats: PatTable[];
  pmts: PmtTable[];
  pes: PesPacket[];
  /** Structural problems met while parsing (bad sync, sections that do not parse...). */
  errors: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// CRC-32/MPEG-2: polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no reflection, no final XOR (Annex A).

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let bit = 0; bit < 8; bit++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c >>> 0;
  }
  return table;
})();

export function crc32Mpeg2(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Transport packets

function parsePacket(bytes: Uint8Array, index: number): TsPacket {
  const p = bytes.subarray(index * TS_PACKET_SIZE, (index + 1) * TS_PACKET_SIZE);
  const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
  const afc = (p[3]! >> 4) & 0x3;
  const packet: TsPacket = {
    index,
    syncByteOk: p[0] === SYNC_BYTE,
    transportError: (p[1]! & 0x80) !== 0,
    pusi: (p[1]! & 0x40) !== 0,
    pid,
    scrambling: (p[3]! >> 6) & 0x3,
    cc: p[3]! & 0x0f,
    payload: new Uint8Array(0),
    hasPayload: (afc & 0x1) !== 0,
  };
  let offset = 4;
  if (afc & 0x2) {
    const length = p[4]!;
    offset = 5 + length;
    const af: AdaptationField = { discontinuity: false, randomAccess: false };
    if (length > 0) {
      const flags = p[5]!;
      af.discontinuity = (flags & 0x80) !== 0;
      af.randomAccess = (flags & 0x40) !== 0;
      if (flags & 0x10 && length >= 7) {
        // program_clock_reference_base (33 bits), 6 reserved bits, extension (9 bits).
        const base = p[6]! * 2 ** 25 + p[7]! * 2 ** 17 + p[8]! * 2 ** 9 + p[9]! * 2 + (p[10]! >> 7);
        const ext = ((p[10]! & 0x01) << 8) | p[11]!;
        af.pcr = base * 300 + ext;
      }
    }
    packet.adaptation = af;
  }
  if (packet.hasPayload && offset < TS_PACKET_SIZE) packet.payload = p.subarray(offset);
  return packet;
}

// ---------------------------------------------------------------------------------------------------------------
// PSI sections (PAT, PMT)

function parsePat(section: Uint8Array, packetIndex: number): PatTable {
  const sectionLength = ((section[1]! & 0x0f) << 8) | section[2]!;
  const end = 3 + sectionLength;
  const programs: PatTable["programs"] = [];
  for (let i = 8; i + 4 <= end - 4; i += 4) {
    const programNumber = (section[i]! << 8) | section[i + 1]!;
    const pid = ((section[i + 2]! & 0x1f) << 8) | section[i + 3]!;
    if (programNumber !== 0) programs.push({ programNumber, pmtPid: pid });
  }
  return {
    packetIndex,
    crcOk: crc32Mpeg2(section.subarray(0, end)) === 0,
    transportStreamId: (section[3]! << 8) | section[4]!,
    programs,
  };
}

function parsePmt(section: Uint8Array, pid: number, packetIndex: number): PmtTable {
  const sectionLength = ((section[1]! & 0x0f) << 8) | section[2]!;
  const end = 3 + sectionLength;
  const programInfoLength = ((section[10]! & 0x0f) << 8) | section[11]!;
  const streams: PmtStream[] = [];
  for (let i = 12 + programInfoLength; i + 5 <= end - 4; ) {
    const esInfoLength = ((section[i + 3]! & 0x0f) << 8) | section[i + 4]!;
    streams.push({ streamType: section[i]!, pid: ((section[i + 1]! & 0x1f) << 8) | section[i + 2]! });
    i += 5 + esInfoLength;
  }
  return {
    packetIndex,
    pid,
    crcOk: crc32Mpeg2(section.subarray(0, end)) === 0,
    programNumber: (section[3]! << 8) | section[4]!,
    pcrPid: ((section[8]! & 0x1f) << 8) | section[9]!,
    streams,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// PES

/** Reads a 33-bit PTS/DTS from its 5-byte field; marker bits must be 1. */
function readTimestamp(b: Uint8Array, at: number): { value: number; markersOk: boolean } {
  const value =
    ((b[at]! >> 1) & 0x07) * 2 ** 30 + b[at + 1]! * 2 ** 22 + (b[at + 2]! >> 1) * 2 ** 15 + b[at + 3]! * 2 ** 7 + (b[at + 4]! >> 1);
  const markersOk = (b[at]! & 1) === 1 && (b[at + 2]! & 1) === 1 && (b[at + 4]! & 1) === 1;
  return { value, markersOk };
}

/** NAL unit types of an Annex B byte stream, in order. */
export function annexBNalTypes(es: Uint8Array): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < es.length; i++) {
    if (es[i] === 0 && es[i + 1] === 0 && es[i + 2] === 1) {
      types.push(es[i + 3]! & 0x1f);
      i += 3;
    }
  }
  return types;
}

function startsWithStartCode(es: Uint8Array): boolean {
  return (
    (es.length >= 3 && es[0] === 0 && es[1] === 0 && es[2] === 1) ||
    (es.length >= 4 && es[0] === 0 && es[1] === 0 && es[2] === 0 && es[3] === 1)
  );
}

function parsePes(pid: number, packetIndex: number, data: Uint8Array, complete: boolean, isVideo: boolean): PesPacket | string {
  if (data.length < 9 || data[0] !== 0 || data[1] !== 0 || data[2] !== 1) {
    return `PES on PID ${pid} at packet ${packetIndex}: no packet_start_code_prefix`;
  }
  const streamId = data[3]!;
  const declaredLength = (data[4]! << 8) | data[5]!;
  let headerOk = (data[6]! & 0xc0) === 0x80; // '10' marker bits
  const ptsDtsFlags = (data[7]! >> 6) & 0x3;
  const headerDataLength = data[8]!;
  const esStart = 9 + headerDataLength;
  let pts: number | undefined;
  let dts: number | undefined;
  if (ptsDtsFlags === 1) headerOk = false; // '01' is forbidden
  if (ptsDtsFlags & 0x2) {
    if (headerDataLength < 5 || data.length < 14) headerOk = false;
    else {
      const t = readTimestamp(data, 9);
      pts = t.value;
      headerOk &&= t.markersOk && (data[9]! >> 4) === (ptsDtsFlags === 3 ? 0x3 : 0x2);
    }
  }
  if (ptsDtsFlags === 3) {
    if (headerDataLength < 10 || data.length < 19) headerOk = false;
    else {
      const t = readTimestamp(data, 14);
      dts = t.value;
      headerOk &&= t.markersOk && (data[14]! >> 4) === 0x1;
    }
  }
  const payload = data.subarray(Math.min(esStart, data.length));
  return {
    pid,
    packetIndex,
    streamId,
    declaredLength,
    actualLength: data.length - 6,
    pts,
    dts,
    headerOk,
    payload,
    nalTypes: isVideo ? annexBNalTypes(payload) : [],
    startsWithStartCode: isVideo ? startsWithStartCode(payload) : false,
    complete,
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

/** Parses a whole segment. Trailing bytes that do not fill a packet are ignored (checkSegment reports them). */
export function parseTs(bytes: Uint8Array): ParsedTs {
  const count = Math.floor(bytes.length / TS_PACKET_SIZE);
  const packets: TsPacket[] = [];
  for (let i = 0; i < count; i++) packets.push(parsePacket(bytes, i));

  const errors: string[] = [];
  const pats: PatTable[] = [];
  const pmts: PmtTable[] = [];
  const pes: PesPacket[] = [];
  const pmtPids = new Set<number>();
  const esTypes = new Map<number, number>(); // elementary PID → stream_type, from the latest PMT
  const sectionInProgress = new Map<number, { chunks: Uint8Array[]; packetIndex: number }>();
  const pesInProgress = new Map<number, { chunks: Uint8Array[]; packetIndex: number }>();

  const finishPes = (pid: number, complete: boolean) => {
    const open = pesInProgress.get(pid);
    if (!open) return;
    pesInProgress.delete(pid);
    const parsed = parsePes(pid, open.packetIndex, concat(open.chunks), complete, esTypes.get(pid) === STREAM_TYPE_H264);
    if (typeof parsed === "string") errors.push(parsed);
    else pes.push(parsed);
  };

  const finishSection = (pid: number, section: Uint8Array, packetIndex: number) => {
    const tableId = section[0];
    if (pid === PAT_PID && tableId === 0x00) {
      const pat = parsePat(section, packetIndex);
      pats.push(pat);
      for (const p of pat.programs) pmtPids.add(p.pmtPid);
    } else if (pid === SDT_PID && tableId === 0x42) {
      // Service names: nothing to check.
    } else if (pmtPids.has(pid) && tableId === 0x02) {
      const pmt = parsePmt(section, pid, packetIndex);
      pmts.push(pmt);
      for (const s of pmt.streams) esTypes.set(s.pid, s.streamType);
    } else {
      errors.push(`packet ${packetIndex}: unexpected table_id ${tableId} on PID ${pid}`);
    }
  };

  for (const packet of packets) {
    if (!packet.syncByteOk || !packet.hasPayload || packet.pid === NULL_PID) continue;
    const { pid } = packet;
    if (pid === PAT_PID || pid === SDT_PID || pmtPids.has(pid)) {
      // PSI: pointer_field, then a section that may continue over several packets.
      let data = packet.payload;
      if (packet.pusi) {
        const pointer = data[0] ?? 0;
        const previous = sectionInProgress.get(pid);
        if (previous) previous.chunks.push(data.subarray(1, 1 + pointer));
        data = data.subarray(1 + pointer);
        sectionInProgress.set(pid, { chunks: [], packetIndex: packet.index });
      }
      const open = sectionInProgress.get(pid);
      if (!open) continue;
      open.chunks.push(data);
      const section = concat(open.chunks);
      if (section.length >= 3) {
        if (section[0] === 0xff) {
          sectionInProgress.delete(pid); // stuffing
          continue;
        }
        const total = 3 + (((section[1]! & 0x0f) << 8) | section[2]!);
        if (section.length >= total) {
          sectionInProgress.delete(pid);
          finishSection(pid, section.subarray(0, total), open.packetIndex);
        }
      }
      continue;
    }
    if (packet.pusi) {
      finishPes(pid, true);
      pesInProgress.set(pid, { chunks: [packet.payload], packetIndex: packet.index });
    } else {
      pesInProgress.get(pid)?.chunks.push(packet.payload);
    }
  }
  for (const pid of [...pesInProgress.keys()]) finishPes(pid, false);
  for (const [pid, open] of sectionInProgress) errors.push(`PID ${pid}: section starting at packet ${open.packetIndex} is cut short`);
  pes.sort((a, b) => a.packetIndex - b.packetIndex);
  return { packets, pats, pmts, pes, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// The checks

export interface CheckOptions {
  /** Continuity counters each PID ended the previous segment with (from the previous checkSegment's lastCc). */
  previousCc?: Map<number, number>;
  /** Upper bound for PCR gaps and PAT/PMT repetition, in ms. Default 100. */
  maxGapMs?: number;
}

export interface SegmentReport {
  violations: string[];
  /** Largest gap between consecutive PCRs, ms (Infinity with fewer than two PCRs over more than one frame). */
  maxPcrGapMs: number;
  /** Largest gap between PAT (and PMT) repetitions, measured on the PCR clock, including to the segment's end. */
  maxPatGapMs: number;
  maxPmtGapMs: number;
  /** The last continuity counter per PID, to pass as previousCc for the next segment. */
  lastCc: Map<number, number>;
  videoPid?: number;
  audioPid?: number;
  videoPes: PesPacket[];
  audioPes: PesPacket[];
  parsed: ParsedTs;
}

const NAL_AUD = 9;
const NAL_SPS = 7;
const NAL_PPS = 8;
const NAL_IDR = 5;
const isVcl = (t: number) => t >= 1 && t <= 5;

/** Size, sync bytes and header flags of every packet (2.4.3.2). */
function packetLevel(bytes: Uint8Array, packets: TsPacket[], v: string[]): void {
  if (bytes.length === 0) v.push("segment is empty");
  if (bytes.length % TS_PACKET_SIZE !== 0) v.push(`size ${bytes.length} is not a multiple of 188`);
  const badSync = packets.filter((p) => !p.syncByteOk).map((p) => p.index);
  if (badSync.length) v.push(`sync byte missing in packets ${badSync.slice(0, 10).join(",")}${badSync.length > 10 ? "..." : ""}`);
  if (packets.some((p) => p.transportError)) v.push("transport_error_indicator set");
  if (packets.some((p) => p.scrambling !== 0)) v.push("transport_scrambling_control set");
}

/** Continuity counters (2.4.3.3): +1 mod 16 per packet with payload, unchanged on adaptation-only packets. */
function continuity(packets: TsPacket[], previousCc: Map<number, number> | undefined, v: string[]): Map<number, number> {
  const lastCc = new Map(previousCc ?? []);
  for (const p of packets) {
    if (!p.syncByteOk || p.pid === NULL_PID) continue;
    const prev = lastCc.get(p.pid);
    const expected = prev === undefined ? undefined : p.hasPayload ? (prev + 1) & 0x0f : prev;
    if (expected !== undefined && p.cc !== expected && !p.adaptation?.discontinuity) {
      v.push(`PID ${p.pid} packet ${p.index}: continuity_counter ${p.cc}, want ${expected}`);
    }
    lastCc.set(p.pid, p.cc);
  }
  return lastCc;
}

/**
 * Only the transport-level rules (188-byte packets, sync bytes, continuity counters carried from previousCc):
 * what any byte the muxer emits must satisfy, even when its input was garbage.
 */
export function checkPackets(bytes: Uint8Array, previousCc?: Map<number, number>): { violations: string[]; lastCc: Map<number, number> } {
  const v: string[] = [];
  const count = Math.floor(bytes.length / TS_PACKET_SIZE);
  const packets: TsPacket[] = [];
  for (let i = 0; i < count; i++) packets.push(parsePacket(bytes, i));
  packetLevel(bytes, packets, v);
  const lastCc = continuity(packets, previousCc, v);
  return { violations: v, lastCc };
}

/**
 * Checks one HLS segment against the rules the muxer promises (ISO/IEC 13818-1, plus Apple's HLS requirements
 * that every segment start with PAT, PMT and a keyframe). Returns all violations, not just the first.
 */
export function checkSegment(bytes: Uint8Array, options: CheckOptions = {}): SegmentReport {
  const maxGapMs = options.maxGapMs ?? 100;
  const v: string[] = [];
  const parsed = parseTs(bytes);
  const { packets, pats, pmts, pes } = parsed;
  packetLevel(bytes, packets, v);
  v.push(...parsed.errors);

  // PAT first, PMT second; tables valid.
  const first = packets[0];
  if (!first || first.pid !== PAT_PID || !first.pusi) v.push("packet 0 is not the start of a PAT");
  for (const pat of pats) {
    if (!pat.crcOk) v.push(`PAT at packet ${pat.packetIndex}: CRC32 mismatch`);
    if (pat.programs.length !== 1) v.push(`PAT at packet ${pat.packetIndex}: ${pat.programs.length} programs, want 1`);
  }
  const pmtPid = pats[0]?.programs[0]?.pmtPid;
  const second = packets[1];
  if (pmtPid === undefined) v.push("no PAT with a program");
  else if (!second || second.pid !== pmtPid || !second.pusi) v.push("packet 1 is not the start of the PMT");
  for (const pmt of pmts) if (!pmt.crcOk) v.push(`PMT at packet ${pmt.packetIndex}: CRC32 mismatch`);
  const pmt = pmts[0];
  if (!pmt) v.push("no PMT");

  const streams = pmt?.streams ?? [];
  const videoPid = streams.find((s) => s.streamType === STREAM_TYPE_H264)?.pid;
  const audioPid = streams.find((s) => s.streamType === STREAM_TYPE_AAC_ADTS)?.pid;
  for (const s of streams) {
    if (s.streamType !== STREAM_TYPE_H264 && s.streamType !== STREAM_TYPE_AAC_ADTS) {
      v.push(`PMT lists stream_type 0x${s.streamType.toString(16)} on PID ${s.pid} (want 0x1b video, 0x0f AAC)`);
    }
    if (!pes.some((p) => p.pid === s.pid)) v.push(`PMT lists PID ${s.pid} but the segment carries no PES on it`);
  }
  for (const other of pmts.slice(1)) {
    if (JSON.stringify(other.streams) !== JSON.stringify(streams) || other.pcrPid !== pmt?.pcrPid) {
      v.push(`PMT at packet ${other.packetIndex} differs from the first one`);
    }
  }
  const psiPids = new Set([PAT_PID, ...(pmtPid !== undefined ? [pmtPid] : [])]);
  const unknownPids = new Set(packets.filter((p) => !psiPids.has(p.pid) && p.pid !== NULL_PID && !streams.some((s) => s.pid === p.pid)).map((p) => p.pid));
  if (unknownPids.size) v.push(`packets on PIDs not in the PMT: ${[...unknownPids].join(",")}`);
  if (videoPid !== undefined && pmt && pmt.pcrPid !== videoPid) v.push(`PCR_PID is ${pmt.pcrPid}, not the video PID ${videoPid}`);

  const lastCc = continuity(packets, options.previousCc, v);

  // PES headers and timestamps.
  const videoPes = pes.filter((p) => p.pid === videoPid);
  const audioPes = pes.filter((p) => p.pid === audioPid);
  for (const p of pes) {
    const where = `PES at packet ${p.packetIndex} (PID ${p.pid})`;
    if (!p.headerOk) v.push(`${where}: malformed PES header (marker bits / PTS_DTS_flags)`);
    if (p.pts === undefined) v.push(`${where}: no PTS`);
    if (p.dts !== undefined && p.pts !== undefined && wrappedDiff(p.dts, p.pts) < 0) v.push(`${where}: PTS ${p.pts} before DTS ${p.dts}`);
    if (p.declaredLength !== 0 && p.complete && p.declaredLength !== p.actualLength) {
      v.push(`${where}: PES_packet_length ${p.declaredLength} but ${p.actualLength} bytes follow`);
    }
  }
  for (const p of videoPes) {
    const where = `video PES at packet ${p.packetIndex}`;
    if (p.streamId !== 0xe0) v.push(`${where}: stream_id 0x${p.streamId.toString(16)}, want 0xe0`);
    if (!p.startsWithStartCode || p.nalTypes[0] !== NAL_AUD) {
      v.push(`${where}: does not start with an access unit delimiter (NAL types ${p.nalTypes.slice(0, 6).join(",")})`);
    }
  }
  for (const p of audioPes) {
    const where = `audio PES at packet ${p.packetIndex}`;
    if (p.streamId !== 0xc0) v.push(`${where}: stream_id 0x${p.streamId.toString(16)}, want 0xc0`);
    if (p.declaredLength === 0) v.push(`${where}: PES_packet_length is 0 (only allowed for video)`);
    if (p.payload[0] !== 0xff || (p.payload[1]! & 0xf0) !== 0xf0) v.push(`${where}: payload does not start with an ADTS syncword`);
  }
  for (const list of [videoPes, audioPes]) {
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      const da = a.dts ?? a.pts;
      const db = b.dts ?? b.pts;
      if (da !== undefined && db !== undefined && wrappedDiff(da, db) <= 0) {
        v.push(`PID ${b.pid} PES at packet ${b.packetIndex}: DTS ${db} not after the previous ${da} (DTS missing where it differs from PTS?)`);
      }
    }
  }

  // The segment opens with a random access point: the first video PES carries PCR + RAI and AUD, SPS, PPS, IDR.
  const firstVideo = videoPes[0];
  if (videoPid !== undefined) {
    if (!firstVideo) v.push("no video PES");
    else {
      const pkt = packets[firstVideo.packetIndex]!;
      if (pkt.adaptation?.pcr === undefined) v.push("first video PES packet has no PCR");
      if (!pkt.adaptation?.randomAccess) v.push("first video PES packet has no random_access_indicator");
      const types = firstVideo.nalTypes;
      const firstVcl = types.findIndex(isVcl);
      const beforeVcl = firstVcl < 0 ? types : types.slice(0, firstVcl);
      if (types[0] !== NAL_AUD || !beforeVcl.includes(NAL_SPS) || !beforeVcl.includes(NAL_PPS) || types[firstVcl] !== NAL_IDR) {
        v.push(`first video access unit is not AUD, SPS, PPS, IDR (NAL types ${types.slice(0, 8).join(",")})`);
      }
    }
    const firstPesIndex = Math.min(...pes.map((p) => p.packetIndex));
    if (firstVideo && firstVideo.packetIndex !== firstPesIndex) v.push("the first PES of the segment is not video");
  }

  // PCR: on the video PID, never going back, no later than the DTS of the PES it starts, gaps ≤ maxGapMs.
  const pcrPid = pmt?.pcrPid;
  const pcrs = packets.filter((p) => p.pid === pcrPid && p.adaptation?.pcr !== undefined);
  let maxPcrGapMs = 0;
  for (let i = 1; i < pcrs.length; i++) {
    const gap = wrappedDiff(pcrs[i - 1]!.adaptation!.pcr!, pcrs[i]!.adaptation!.pcr!, PCR_WRAP) / 27000;
    if (gap < 0) v.push(`PCR goes backwards at packet ${pcrs[i]!.index}`);
    maxPcrGapMs = Math.max(maxPcrGapMs, gap);
  }
  if (pcrs.length < 2 && videoPes.length > 1) maxPcrGapMs = Infinity;
  if (maxPcrGapMs > maxGapMs) v.push(`PCR gap ${maxPcrGapMs.toFixed(1)} ms > ${maxGapMs} ms`);
  for (const p of pes) {
    const pcr = packets[p.packetIndex]!.adaptation?.pcr;
    const dts = p.dts ?? p.pts;
    if (pcr !== undefined && dts !== undefined && wrappedDiff(pcr / 300, dts) < 0) {
      v.push(`PES at packet ${p.packetIndex}: PCR ${(pcr / 27000).toFixed(1)} ms is after its DTS ${(dts / TICKS_PER_MS).toFixed(1)} ms`);
    }
  }

  // PAT/PMT repetition, timed by the PCR clock (each packet gets the latest PCR at or before it, unwrapped).
  const clock: number[] = [];
  let last = pcrs[0]?.adaptation?.pcr ?? 0;
  let now = 0;
  for (const p of packets) {
    if (p.pid === pcrPid && p.adaptation?.pcr !== undefined) {
      now += wrappedDiff(last, p.adaptation.pcr, PCR_WRAP);
      last = p.adaptation.pcr;
    }
    clock.push(now / 27000);
  }
  const endMs = clock[clock.length - 1] ?? 0;
  const repetitionGap = (indexes: number[]) => {
    let max = 0;
    for (let i = 1; i <= indexes.length; i++) {
      const from = clock[indexes[i - 1]!]!;
      const to = i < indexes.length ? clock[indexes[i]!]! : endMs;
      max = Math.max(max, to - from);
    }
    return max;
  };
  const maxPatGapMs = pats.length ? repetitionGap(pats.map((t) => t.packetIndex)) : Infinity;
  const maxPmtGapMs = pmts.length ? repetitionGap(pmts.map((t) => t.packetIndex)) : Infinity;
  if (maxPatGapMs > maxGapMs) v.push(`PAT repeated ${maxPatGapMs.toFixed(1)} ms apart > ${maxGapMs} ms`);
  if (maxPmtGapMs > maxGapMs) v.push(`PMT repeated ${maxPmtGapMs.toFixed(1)} ms apart > ${maxGapMs} ms`);

  return { violations: v, maxPcrGapMs, maxPatGapMs, maxPmtGapMs, lastCc, videoPid, audioPid, videoPes, audioPes, parsed };
}

/** Checks consecutive segments of one stream, carrying continuity counters across them. */
export function checkSegments(segments: Uint8Array[], options: Omit<CheckOptions, "previousCc"> = {}): SegmentReport[] {
  const reports: SegmentReport[] = [];
  let previousCc: Map<number, number> | undefined;
  for (const bytes of segments) {
    const report = checkSegment(bytes, { ...options, previousCc });
    reports.push(report);
    previousCc = report.lastCc;
  }
  return reports;
}
