// MPEG-TS packetization (ISO/IEC 13818-1) straight into the ring: PAT, PMT, PES packets with PCR and
// random_access_indicator, PCR-only packets, per-PID continuity counters.
import { crc32Mpeg } from "./crc";
import { codecIsHevc } from "./codec";
import { TS_PACKET } from "./layout";
import { writePointer, contiguousPackets, advancePackets } from "./ring";
import { copyPayload184, copyShort, stuffShort } from "./copy";

export const PID_PAT: u32 = 0x0000;
export const PID_PMT: u32 = 0x1000;
export const PID_VIDEO: u32 = 0x0100;
export const PID_AUDIO: u32 = 0x0101;
export const STREAM_ID_VIDEO: u32 = 0xe0;
export const STREAM_ID_AUDIO: u32 = 0xc0;
const STREAM_TYPE_H264: u8 = 0x1b;
const STREAM_TYPE_H265: u8 = 0x24;
const STREAM_TYPE_AAC_ADTS: u8 = 0x0f;

let ccPat: u32 = 0;
let ccPmt: u32 = 0;
let ccVideo: u32 = 0;
let ccAudio: u32 = 0;
export let packetsWritten: u32 = 0;

// PSI sections are built once (and again when the PMT changes); writing them copies a packet.
const PAT_PACKET: usize = memory.data(188);
const PMT_PACKET: usize = memory.data(188);
let pmtVersion: u32 = 0;
let pmtWithAudio: bool = false;
let pmtBuilt: bool = false;

export function resetTsWriter(): void {
  ccPat = ccPmt = ccVideo = ccAudio = 0;
  packetsWritten = 0;
  pmtVersion = 0;
  pmtBuilt = false;
  buildPat();
}

function packetHeader(p: usize, pid: u32, unitStart: bool, adaptationControl: u32, cc: u32): void {
  store<u8>(p, 0x47);
  store<u8>(p + 1, (unitStart ? 0x40 : 0) | (pid >>> 8));
  store<u8>(p + 2, pid & 0xff);
  store<u8>(p + 3, (adaptationControl << 4) | (cc & 0x0f));
}

/** Finishes a PSI packet: section from p+5 of `sectionLength` bytes (CRC excluded) gets its CRC and stuffing. */
function finishSection(p: usize, sectionLength: u32): void {
  let crc = crc32Mpeg(p + 5, sectionLength);
  let c = p + 5 + sectionLength;
  store<u8>(c, crc >>> 24);
  store<u8>(c + 1, crc >>> 16);
  store<u8>(c + 2, crc >>> 8);
  store<u8>(c + 3, crc);
  memory.fill(c + 4, 0xff, <usize>TS_PACKET - (c + 4 - p));
}

function buildPat(): void {
  let p = PAT_PACKET;
  packetHeader(p, PID_PAT, true, 1, 0);
  store<u8>(p + 4, 0); // pointer_field
  let s = p + 5;
  store<u8>(s, 0x00); // table_id: program_association_section
  store<u8>(s + 1, 0xb0); // section_syntax_indicator, '0', reserved, length (high bits)
  store<u8>(s + 2, 13); // section_length: 5 + 4 (one program) + 4 (CRC)
  store<u8>(s + 3, 0x00); // transport_stream_id
  store<u8>(s + 4, 0x01);
  store<u8>(s + 5, 0xc1); // reserved, version 0, current_next_indicator
  store<u8>(s + 6, 0x00); // section_number
  store<u8>(s + 7, 0x00); // last_section_number
  store<u8>(s + 8, 0x00); // program_number 1
  store<u8>(s + 9, 0x01);
  store<u8>(s + 10, 0xe0 | (PID_PMT >>> 8));
  store<u8>(s + 11, PID_PMT & 0xff);
  finishSection(p, 12);
}

function buildPmt(withAudio: bool): void {
  let p = PMT_PACKET;
  packetHeader(p, PID_PMT, true, 1, 0);
  store<u8>(p + 4, 0);
  let s = p + 5;
  let streams: u32 = withAudio ? 2 : 1;
  let sectionLength: u32 = 9 + 5 * streams + 4;
  store<u8>(s, 0x02); // table_id: TS_program_map_section
  store<u8>(s + 1, 0xb0);
  store<u8>(s + 2, sectionLength);
  store<u8>(s + 3, 0x00); // program_number 1
  store<u8>(s + 4, 0x01);
  store<u8>(s + 5, 0xc1 | ((pmtVersion & 0x1f) << 1));
  store<u8>(s + 6, 0x00);
  store<u8>(s + 7, 0x00);
  store<u8>(s + 8, 0xe0 | (PID_VIDEO >>> 8)); // PCR_PID: the video PID
  store<u8>(s + 9, PID_VIDEO & 0xff);
  store<u8>(s + 10, 0xf0); // program_info_length 0
  store<u8>(s + 11, 0x00);
  let q = s + 12;
  store<u8>(q, codecIsHevc ? STREAM_TYPE_H265 : STREAM_TYPE_H264);
  store<u8>(q + 1, 0xe0 | (PID_VIDEO >>> 8));
  store<u8>(q + 2, PID_VIDEO & 0xff);
  store<u8>(q + 3, 0xf0);
  store<u8>(q + 4, 0x00);
  if (withAudio) {
    q += 5;
    store<u8>(q, STREAM_TYPE_AAC_ADTS);
    store<u8>(q + 1, 0xe0 | (PID_AUDIO >>> 8));
    store<u8>(q + 2, PID_AUDIO & 0xff);
    store<u8>(q + 3, 0xf0);
    store<u8>(q + 4, 0x00);
  }
  finishSection(p, sectionLength - 1);
  pmtWithAudio = withAudio;
  pmtBuilt = true;
}

// Where this segment's PMT packets are, so they can be rewritten if the segment ends up without audio.
const MAX_TRACKED_PMTS: u32 = 1024;
const pmtPositions: usize = memory.data(1024 * 4);
let pmtCount: u32 = 0;

/** A new segment starts: forget the previous one's PMT positions. */
export function startTrackingPmts(): void {
  pmtCount = 0;
}

/** Writes PAT then PMT (listing audio only when `withAudio`). Needs 2 packets of space. */
export function writePsi(withAudio: bool): void {
  if (!pmtBuilt || pmtWithAudio != withAudio) {
    if (pmtBuilt) pmtVersion++;
    buildPmt(withAudio);
  }
  writePsiPacket(PAT_PACKET, ccPat++);
  if (pmtCount < MAX_TRACKED_PMTS) store<u32>(pmtPositions + (<usize>pmtCount << 2), <u32>writePointer());
  pmtCount++;
  writePsiPacket(PMT_PACKET, ccPmt++);
}

/**
 * The segment announced audio but carries none (the audio stopped, or all of it was refused): its PMTs are
 * rewritten to list video only, keeping their continuity counters, so the PMT lists only the streams present.
 * Returns false if there were more PMTs than tracked (the segment then keeps its audio entry).
 */
export function rewriteSegmentPmtsWithoutAudio(): bool {
  if (pmtCount > MAX_TRACKED_PMTS) return false;
  pmtVersion++;
  buildPmt(false);
  for (let i: u32 = 0; i < pmtCount; i++) {
    let p = <usize>load<u32>(pmtPositions + (<usize>i << 2));
    let ccByte = load<u8>(p + 3);
    memory.copy(p, PMT_PACKET, TS_PACKET);
    store<u8>(p + 3, ccByte);
  }
  return true;
}

function writePsiPacket(src: usize, cc: u32): void {
  let p = writePointer();
  copyPacket188(p, src);
  store<u8>(p + 3, 0x10 | (cc & 0x0f));
  advancePackets(1);
  packetsWritten++;
}

function writePcr(p: usize, pcrBase: i64): void {
  let b = <u64>pcrBase & 0x1ffffffff;
  store<u8>(p, <u8>(b >>> 25));
  store<u8>(p + 1, <u8>(b >>> 17));
  store<u8>(p + 2, <u8>(b >>> 9));
  store<u8>(p + 3, <u8>(b >>> 1));
  store<u8>(p + 4, <u8>(((b & 1) << 7) | 0x7e));
  store<u8>(p + 5, 0x00);
}

/** A packet on the video PID with only an adaptation field carrying a PCR (keeps PCRs ≤ 40 ms apart). */
export function writePcrOnlyPacket(pcrBase: i64): void {
  let p = writePointer();
  // No payload: the counter does not advance, so it repeats the last video packet's.
  packetHeader(p, PID_VIDEO, false, 2, (ccVideo - 1) & 0x0f);
  store<u8>(p + 4, 183);
  store<u8>(p + 5, 0x10);
  writePcr(p + 6, pcrBase);
  memory.fill(p + 12, 0xff, TS_PACKET - 12);
  advancePackets(1);
  packetsWritten++;
}

/** Writes a 5-byte PTS or DTS field. */
function writeTimestamp(p: usize, prefix: u32, ts: i64): void {
  let t = <u64>ts & 0x1ffffffff;
  store<u8>(p, <u8>((prefix << 4) | (<u32>(t >>> 29) & 0x0e) | 1));
  store<u8>(p + 1, <u8>(t >>> 22));
  store<u8>(p + 2, <u8>(((t >>> 14) & 0xfe) | 1));
  store<u8>(p + 3, <u8>(t >>> 7));
  store<u8>(p + 4, <u8>(((t << 1) & 0xfe) | 1));
}

/** Bytes of a PES header with a PTS, and a DTS too when it differs. */
// @ts-ignore: decorator
@inline export function pesHeaderLength(hasDts: bool): u32 {
  return hasDts ? 19 : 14;
}

/**
 * Writes a PES header at p: start code, stream_id, PES_packet_length (for payloadBytes; 0 writes 0, unbounded,
 * which only video may use), data_alignment_indicator, the PTS, and the DTS when it differs from the PTS.
 * pts and dts are the 33-bit values to write. Returns the header's length (pesHeaderLength).
 */
export function writePesHeader(p: usize, streamId: u32, payloadBytes: u32, pts: i64, dts: i64): u32 {
  let hasDts = pts != dts;
  let length = pesHeaderLength(hasDts);
  let packetLength = payloadBytes == 0 ? 0 : length - 6 + payloadBytes;
  store<u32>(p, 0x00010000 | (streamId << 24)); // 00 00 01 stream_id
  store<u8>(p + 4, <u8>(packetLength >>> 8));
  store<u8>(p + 5, <u8>packetLength);
  store<u8>(p + 6, 0x84); // '10', data_alignment_indicator
  store<u8>(p + 7, hasDts ? 0xc0 : 0x80); // PTS_DTS_flags
  store<u8>(p + 8, <u8>(length - 9)); // PES_header_data_length
  writeTimestamp(p + 9, hasDts ? 3 : 2, pts);
  if (hasDts) writeTimestamp(p + 14, 1, dts);
  return length;
}

/** Upper bound of the packets a PES of `len` bytes (header included) takes, with a PCR. */
// @ts-ignore: decorator
@inline export function pesPacketBound(len: u32): u32 {
  return (len + 8) / 184 + 1;
}

/** Copies a whole 188-byte packet (PSI), inline. */
// @ts-ignore: decorator
@inline function copyPacket188(dst: usize, src: usize): void {
  copyPayload184(dst, src);
  store<u32>(dst, load<u32>(src, 184), 184);
}

/**
 * Writes one PES packet (header and payload contiguous at src) as TS packets on `pid`.
 * pcrBase ≥ 0 puts a PCR in the first packet; randomAccess sets random_access_indicator there.
 * The caller has made sure the ring has room (pesPacketBound).
 */
export function writePes(src: usize, len: u32, pid: u32, pcrBase: i64, randomAccess: bool): void {
  let isVideo = pid == PID_VIDEO;
  let cc = isVideo ? ccVideo : ccAudio;

  // First packet: header, optional adaptation field, start of the PES.
  let p = writePointer();
  let afLength: u32 = 0; // adaptation_field_length byte value; 0 with no field
  let hasAf = pcrBase >= 0 || randomAccess;
  if (hasAf) afLength = pcrBase >= 0 ? 7 : 1;
  let room: u32 = hasAf ? 184 - 1 - afLength : 184;
  let stuffing: u32 = 0;
  if (len < room) {
    stuffing = room - len;
    if (!hasAf) {
      // An adaptation field of `stuffing` bytes: the length byte, then flags and 0xff.
      hasAf = true;
      afLength = stuffing - 1;
    } else {
      afLength += stuffing;
    }
    room = len;
  }
  packetHeader(p, pid, true, hasAf ? 3 : 1, cc++);
  let q = p + 4;
  if (hasAf) {
    store<u8>(q, afLength);
    if (afLength > 0) {
      let flags: u32 = (randomAccess ? 0x40 : 0) | (pcrBase >= 0 ? 0x10 : 0);
      store<u8>(q + 1, flags);
      let used: u32 = 1;
      if (pcrBase >= 0) {
        writePcr(q + 2, pcrBase);
        used += 6;
      }
      if (afLength > used) stuffShort(q + 1 + used, afLength - used);
    }
    q += 1 + afLength;
  }
  copyShort(q, src, room);
  advancePackets(1);
  let written: u32 = 1;
  src += room;
  let left = len - room;

  // Middle packets: 4-byte header + 184 payload bytes. One ring-end check per run of contiguous slots.
  let header: u32 = 0x10000047 | ((pid >>> 8) << 8) | ((pid & 0xff) << 16); // sync, PID, payload only; cc below
  let full = left / 184;
  while (full > 0) {
    let run = contiguousPackets();
    if (run > full) run = full;
    let d = writePointer();
    let end = d + <usize>run * TS_PACKET;
    while (d < end) {
      store<u32>(d, header | ((cc & 0x0f) << 24));
      copyPayload184(d + 4, src);
      cc++;
      d += TS_PACKET;
      src += 184;
    }
    advancePackets(run);
    full -= run;
    written += run;
  }
  left = left % 184;

  // Last packet: the remainder, stuffed through an adaptation field.
  if (left > 0) {
    let l = writePointer();
    let pad = 184 - left;
    packetHeader(l, pid, false, 3, cc++);
    store<u8>(l + 4, <u8>(pad - 1));
    if (pad > 1) {
      store<u8>(l + 5, 0x00);
      if (pad > 2) stuffShort(l + 6, pad - 2);
    }
    copyShort(l + 4 + pad, src, left);
    advancePackets(1);
    written++;
  }
  packetsWritten += written;
  if (isVideo) ccVideo = cc & 0x0f;
  else ccAudio = cc & 0x0f;
}
