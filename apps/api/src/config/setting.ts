import { z } from 'zod';

/** What docs/configuration.md says about one setting: its row of the table. */
export interface SettingDoc {
  /** What the setting does: one line of Markdown (links relative to docs/). */
  doc: string;
  /** The default, written as the variable's text; unset or blank reads as it, parsed like a value that was set. */
  default?: string;
  /** Said after the default in the docs, e.g. `(8 h)`. */
  defaultNote?: string;
  /** What leaving it unset means when it has no default of its own (derived from others, or required in production). */
  unset?: string;
}

/** Each declared setting's doc, by its schema: docs/configuration.md's tables are generated from it. */
export const settingDocs = z.registry<SettingDoc>();

/** A group of settings of one concern: a table of its own in docs/configuration.md. */
export interface SettingGroup<S extends z.core.$ZodShape = z.core.$ZodShape> {
  title: string;
  settings: S;
}

/** The parsed variables of one group, defaults applied. */
export type EnvOf<S extends z.core.$ZodShape> = z.output<z.ZodObject<S>>;

// a variable set to blanks is as good as unset: `.env` files and manifests leave such lines behind
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Declares a setting with a default (`doc.default`, the variable's text, parsed like a value that was set). */
export function withDefault<T extends z.ZodType>(parse: T, doc: SettingDoc & { default: z.input<T> & string }) {
  const schema = z.preprocess(blankToUndefined, parse.prefault(doc.default as z.util.NoUndefined<z.input<T>>));
  settingDocs.add(schema, doc);
  return schema;
}

/** Declares a setting that may stay unset (`undefined`); `doc.unset` says what that means. */
export function optional<T extends z.ZodType>(parse: T, doc: SettingDoc & { default?: undefined }) {
  const schema = z.preprocess(blankToUndefined, parse.optional());
  settingDocs.add(schema, doc);
  return schema;
}

/** A whole number from `min` to `max`. */
export const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** An absolute URL with one of `protocols` (`'https:'`, …). */
export const url = (protocols: string[]) =>
  z
    .string()
    .refine((s) => URL.canParse(s), 'must be an absolute URL')
    .refine((s) => !URL.canParse(s) || protocols.includes(new URL(s).protocol), `must use ${protocols.join(' or ')}`);

/** `true`/`false` or `1`/`0`. */
export const flag = () => z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Any text, as given. */
export const text = () => z.string();

/** The non-empty, trimmed items of a comma-separated variable. */
export function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether the URL's host is a loopback name or address, where plain http:// is acceptable. */
export function isLoopback(u: URL): boolean {
  return LOOPBACK_HOSTS.has(u.hostname);
}
