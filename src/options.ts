// The checks every option goes through where it enters (HlsRecorder, MuxerCore, the CLI flags): a bad value is an
// InvalidOptionError naming the option, thrown at construction, before it can reach the WASM core or the network.
// Each rule lives next to what it protects (core.ts for the core's options, keys.ts for the prefix…) and uses
// these helpers; the CLI passes its flag's name, so the message names what the user typed.

/** An option with a value it cannot have. `option` is its name (e.g. "bufferSize" or "--buffer-size"). */
export class InvalidOptionError extends RangeError {
  override name = "InvalidOptionError";
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option} ${message}`);
  }
}

/** The largest u32: what the core's integer parameters hold. */
export const U32_MAX = 0xffff_ffff;
/** The longest delay setTimeout honours (a longer one fires at once). */
export const TIMER_MAX_MS = 0x7fff_ffff;

const shown = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : String(value));

/** A whole number from min to max. */
export function wholeNumber(option: string, value: unknown, min: number, max: number, unit = ""): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `must be a whole number${unit ? ` of ${unit}` : ""} from ${min} to ${max}, got ${shown(value)}`);
  }
  return value;
}

/** A finite number from min to max. */
export function finiteNumber(option: string, value: unknown, min: number, max: number, unit = ""): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `must be a number${unit ? ` of ${unit}` : ""} from ${min} to ${max}, got ${shown(value)}`);
  }
  return value;
}

/** One of the listed strings. */
export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new InvalidOptionError(option, `must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")}, got ${shown(value)}`);
  return value as T;
}

/** A string with no control characters (a newline would break a header, a key or a log line). */
export function printable(option: string, value: unknown, options: { maxLength?: number; allowEmpty?: boolean } = {}): string {
  const got = `, got ${shown(value)}`;
  if (typeof value !== "string") throw new InvalidOptionError(option, `must be a string${got}`);
  if (value === "" && !options.allowEmpty) throw new InvalidOptionError(option, "must not be empty");
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidOptionError(option, `must not contain control characters such as a newline${got}`);
  if (options.maxLength !== undefined && value.length > options.maxLength) throw new InvalidOptionError(option, `must be at most ${options.maxLength} characters`);
  return value;
}
