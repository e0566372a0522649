// The first picture of an MPEG-TS byte range (a segment's first keyframeBytes: PAT, PMT, the IDR's PES) as H.264
// Annex B, plus its RFC 6381 codec string from the SPS: what WebCodecs' VideoDecoder needs for a thumbnail.

const PACKET = 188;
const STREAM_TYPE_H264 = 0x1b;

/** Payload of a TS packet at `at` and its flags; undefined for a packet without payload. */
function packetPayload(bytes, at) {
  const pid = ((bytes[at + 1] & 0x1f) << 8) | bytes[at + 2];
  const unitStart = (bytes[at + 1] & 0x40) !== 0;
  const control = (bytes[at + 3] >> 4) & 0x3;
  let start = at + 4;
  if (control === 2 || control === 3) start += 1 + bytes[at + 4]; // adaptation field
  if (control === 1 || control === 3) return { pid, unitStart, data: bytes.subarray(Math.min(start, at + PACKET), at + PACKET) };
  return { pid, unitStart, data: undefined };
}

/** The section of a PSI payload (PAT, PMT): skips the pointer field. */
const section = (data) => data.subarray(1 + data[0]);

/** Annex B bytes of the first H.264 picture in `bytes`, or undefined when the range holds none. */
export function firstPicture(bytes) {
  let pmtPid = -1;
  let videoPid = -1;
  const chunks = [];
  for (let at = 0; at + PACKET <= bytes.length; at += PACKET) {
    if (bytes[at] !== 0x47) return undefined;
    const { pid, unitStart, data } = packetPayload(bytes, at);
    if (!data) continue;
    if (pid === 0 && unitStart) {
      const s = section(data);
      // The first program's PMT PID (program number 0 is the network PID).
      for (let i = 8; i + 4 <= 3 + (((s[1] & 0x0f) << 8) | s[2]) - 4; i += 4) {
        if (((s[i] << 8) | s[i + 1]) !== 0) {
          pmtPid = ((s[i + 2] & 0x1f) << 8) | s[i + 3];
          break;
        }
      }
    } else if (pid === pmtPid && unitStart && videoPid < 0) {
      const s = section(data);
      const end = 3 + (((s[1] & 0x0f) << 8) | s[2]) - 4;
      for (let i = 12 + (((s[10] & 0x0f) << 8) | s[11]); i + 5 <= end; i += 5 + (((s[i + 3] & 0x0f) << 8) | s[i + 4])) {
        if (s[i] === STREAM_TYPE_H264) {
          videoPid = ((s[i + 1] & 0x1f) << 8) | s[i + 2];
          break;
        }
      }
    } else if (pid === videoPid && videoPid >= 0) {
      if (unitStart && chunks.length) break; // the next picture starts: the first one is whole
      if (unitStart || chunks.length) chunks.push(data);
    }
  }
  if (!chunks.length) return undefined;
  const pes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    pes.set(c, offset);
    offset += c.length;
  }
  if (pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return undefined;
  return pes.subarray(9 + pes[8]); // after the PES header
}

/**
 * "<sample entry>.PPCCLL": profile_idc, the constraint flags and level_idc, the three bytes at `at` (an SPS's after
 * its NAL header, which an avcC record repeats from its second byte).
 */
export function avcCodecText(sampleEntry, bytes, at) {
  const hex = (b) => b.toString(16).padStart(2, "0");
  return `${sampleEntry}.${hex(bytes[at])}${hex(bytes[at + 1])}${hex(bytes[at + 2])}`;
}

/** "avc1.PPCCLL" from the first SPS in Annex B bytes, or undefined. */
export function avcCodecString(annexB) {
  for (let i = 0; i + 7 < annexB.length; i++) {
    if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 1 && (annexB[i + 3] & 0x1f) === 7) return avcCodecText("avc1", annexB, i + 4);
  }
  return undefined;
}
