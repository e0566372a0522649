// What every CLI command provides, and the helpers they share.
import { stat } from "node:fs/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { closestName } from "../did-you-mean.js";
import { parseFrameRateText } from "../core.js";

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full --help text: usage, options, examples. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A mistake the user can fix: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Option values typed from their declarations: booleans for "boolean" options, strings otherwise. */
export type ParsedValues<O extends Options> = {
  [K in keyof O]?: (O[K]["type"] extends "boolean" ? boolean : string) extends infer V
    ? O[K] extends { multiple: true }
      ? V[]
      : V
    : never;
} & { help?: boolean };

export interface ParsedArgs<O extends Options> {
  values: ParsedValues<O>;
  positionals: string[];
}

/** node:util parseArgs with --help added, strict, and user mistakes turned into a one-line UsageError. */
export function parseCommandArgs<const O extends Options>(argv: string[], options: O, allowPositionals = true): ParsedArgs<O> {
  const all: Options = { ...options, help: { type: "boolean", short: "h" } };
  checkTokens(argv, all, allowPositionals);
  try {
    const parsed = parseArgs({ args: argv, options: all, allowPositionals, strict: true });
    return { values: parsed.values as ParsedValues<O>, positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message); // a case checkTokens does not word itself
  }
}

/** Node's own messages are several lines with advice about "--"; these say the mistake in one line. */
function checkTokens(argv: string[], options: Options, allowPositionals: boolean): void {
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === "positional" && !allowPositionals) {
      throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}: this command takes only --options`);
    }
    if (token.kind !== "option") continue;
    const option = options[token.name];
    if (!option) {
      const near = token.rawName.startsWith("--") ? closestName(token.name, Object.keys(options)) : undefined;
      throw new UsageError(`unknown option ${token.rawName}${near ? `: did you mean --${near}?` : ""}`);
    }
    if (option.type === "boolean" && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
    if (option.type !== "string") continue;
    // "--fps --bucket b" forgot the value; a value that really starts with "-" is written --fps=-1.
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith("--"))) throw new UsageError(`${token.rawName} needs a value`);
    if (!token.inlineValue && value.startsWith("-") && value !== "-") {
      throw new UsageError(`${token.rawName} needs a value: write ${token.rawName}=${value} if ${value} is the value`);
    }
  }
}

/**
 * Parses --fps: "25", "29.97" or "30000/1001" by the core's rule (the WASI command's too), as [numerator,
 * denominator] in lowest terms; undefined when not given (the rate then comes from the stream's SPS).
 */
export function parseFrameRate(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const rate = parseFrameRateText(text);
  if (!rate) throw new UsageError(`bad --fps ${JSON.stringify(text)}: give a rate from 0.1 to 1000 like 25 or 29.97, or a fraction like 30000/1001`);
  return rate;
}

/** The message when the stream carries no frame rate and none was given. */
export const FPS_REQUIRED = "--fps is required: the stream's SPS carries no frame rate (no VUI timing); e.g. --fps 25, --fps 29.97, --fps 30000/1001";

/** Parses a whole number of bytes (its bounds are the option's rule, checked where the option is used). */
export function parseBytes(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,16}$/.test(text)) throw new UsageError(`bad ${flag} ${JSON.stringify(text)}: give a whole number of bytes`);
  return Number(text);
}

/** Parses a positive number of seconds (at most `max`: what a timer can wait). */
export function parseSeconds(flag: string, text: string | undefined, fallback: number, max = 2_000_000): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new UsageError(`bad ${flag} ${JSON.stringify(text)}: give a positive number of seconds, at most ${max}`);
  }
  return value;
}

/** Checks that an input file exists and is a file ("-", standard input, always passes). */
export async function requireInputFile(path: string, what: string): Promise<void> {
  if (path === "-") return;
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    throw new UsageError(`${what} ${path} not found`);
  }
  if (!isFile) throw new UsageError(`${what} ${path} is not a file`);
}
