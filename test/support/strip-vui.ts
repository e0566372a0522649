// Makes a raw H.264 stream whose SPS carries no VUI (so no frame rate), as some cameras write it: every SPS is cut
// after its vui_parameters_present_flag, which becomes 0 (H.264 7.3.2.1.1). Written for the profiles without the
// high-profile fields (Baseline, Main), which is what the fixtures it is used on are.
import { nalUnits } from "./annexb.js";

/** RBSP bits of a NAL payload (emulation-prevention bytes removed), read MSB first. */
class Bits {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}
  bit(): number {
    const b = (this.bytes[this.pos >> 3]! >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }
  skip(n: number): void {
    this.pos += n;
  }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) zeros++;
    let v = 0;
    for (let i = 0; i < zeros; i++) v = v * 2 + this.bit();
    return 2 ** zeros - 1 + v;
  }
}

function unescape(payload: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const b of payload) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out.push(b);
  }
  return Uint8Array.from(out);
}

function escape(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out.push(b);
  }
  return Uint8Array.from(out);
}

/** The SPS payload (after its header byte) with the VUI removed. */
function spsWithoutVui(payload: Uint8Array): Uint8Array {
  const rbsp = unescape(payload);
  if (rbsp[0]! >= 100) throw new Error(`strip-vui: profile ${rbsp[0]} has fields this helper does not read`);
  const r = new Bits(rbsp);
  r.skip(24); // profile, constraints, level
  r.ue(); // seq_parameter_set_id
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.skip(1);
    r.ue();
    r.ue();
    const cycle = r.ue();
    for (let i = 0; i < cycle; i++) r.ue();
  }
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  r.ue(); // pic_width_in_mbs_minus1
  r.ue(); // pic_height_in_map_units_minus1
  if (r.bit() === 0) r.skip(1); // frame_mbs_only_flag, mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  if (r.bit() === 1) for (let i = 0; i < 4; i++) r.ue(); // frame cropping
  // Keep every bit before vui_parameters_present_flag, then the flag (0) and the rbsp trailing bits.
  const bits: number[] = [];
  const keep = new Bits(rbsp);
  for (let i = 0; i < r.pos; i++) bits.push(keep.bit());
  bits.push(0, 1);
  while (bits.length % 8) bits.push(0);
  const out = new Uint8Array(bits.length / 8);
  bits.forEach((b, i) => (out[i >> 3] |= b << (7 - (i & 7))));
  return escape(out);
}

/** The stream with every SPS rewritten without its VUI; everything else byte for byte. */
export function stripVui(stream: Uint8Array): Uint8Array {
  const units = nalUnits(stream);
  const parts: Uint8Array[] = [];
  let copied = 0;
  units.forEach((u, i) => {
    if (u.type !== 7) return;
    const end = units[i + 1]?.offset ?? stream.length;
    let payloadEnd = end;
    while (payloadEnd > u.headerAt + 1 && stream[payloadEnd - 1] === 0) payloadEnd--; // (a 4-byte start code's zero)
    parts.push(stream.subarray(copied, u.headerAt + 1), spsWithoutVui(stream.subarray(u.headerAt + 1, payloadEnd)));
    copied = payloadEnd;
  });
  parts.push(stream.subarray(copied));
  return Buffer.concat(parts);
}
