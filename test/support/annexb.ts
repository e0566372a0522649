// Splits a raw Annex B H.264 file into access units the way a camera encoder hands them over, for tests that feed
// the core directly. Written from H.264 7.4.1.2.3 (order of NAL units), independent of the core's own parser:
// a new access unit starts at an AUD, SPS, PPS, SEI or NAL types 14..18 that follow a slice, or at a slice whose
// first_mb_in_slice is 0 when the current access unit already has a slice.

const isVcl = (type: number) => type >= 1 && type <= 5;
const startsAccessUnit = (type: number) => type === 9 || type === 7 || type === 8 || type === 6 || (type >= 14 && type <= 18);

/** Start offsets (including a 4-byte start code's leading zero) and NAL types of every NAL unit. */
export function nalUnits(data: Uint8Array): { offset: number; type: number; headerAt: number }[] {
  const units: { offset: number; type: number; headerAt: number }[] = [];
  for (let i = 0; i + 3 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      const offset = i > 0 && data[i - 1] === 0 ? i - 1 : i;
      units.push({ offset, type: data[i + 3]! & 0x1f, headerAt: i + 3 });
      i += 3;
    }
  }
  return units;
}

/** The access units of an Annex B stream, in file (decode) order, as views into data. */
export function accessUnits(data: Uint8Array): Uint8Array[] {
  const units = nalUnits(data);
  const aus: Uint8Array[] = [];
  let auStart = units[0]?.offset ?? 0;
  let hasSlice = false;
  for (const u of units) {
    // first_mb_in_slice is ue(v): 0 is coded as a single 1 bit, so the top bit of the byte after the header.
    const firstSliceOfPicture = isVcl(u.type) && (data[u.headerAt + 1]! & 0x80) !== 0;
    if (hasSlice && (startsAccessUnit(u.type) || firstSliceOfPicture)) {
      aus.push(data.subarray(auStart, u.offset));
      auStart = u.offset;
      hasSlice = false;
    }
    if (isVcl(u.type)) hasSlice = true;
  }
  if (units.length) aus.push(data.subarray(auStart));
  return aus;
}

/** NAL types of one access unit. */
export const nalTypesOf = (au: Uint8Array) => nalUnits(au).map((u) => u.type);

/**
 * Access units of an Annex B HEVC stream (H.265 7.4.2.4.4, written for this test): a new one starts at a VPS, SPS,
 * PPS, AUD or prefix SEI after a picture, or at a slice with first_slice_segment_in_pic_flag set.
 */
export function hevcAccessUnits(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = -1;
  let hasPicture = false;
  for (let i = 0; i + 4 < data.length; i++) {
    if (!(data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1)) continue;
    const at = i > 0 && data[i - 1] === 0 ? i - 1 : i;
    if (start < 0) start = at;
    const type = (data[i + 3]! >> 1) & 0x3f;
    const vcl = type < 32;
    const opens = (type >= 32 && type <= 35) || type === 39 || (vcl && (data[i + 5]! & 0x80) !== 0);
    if (hasPicture && opens) {
      out.push(data.subarray(start, at));
      start = at;
      hasPicture = false;
    }
    if (vcl) hasPicture = true;
    i += 3;
  }
  if (start >= 0) out.push(data.subarray(start));
  return out;
}
