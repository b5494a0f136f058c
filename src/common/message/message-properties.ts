import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from './message-const.ts';

/**
 * Encodes properties as RocketMQ does: `name \u0001 value \u0002` for each pair, with the trailing
 * separator after the last pair.
 */
export function encodeProperties(
  properties: ReadonlyMap<string, string> | Record<string, string>,
): string {
  let out = '';
  const entries = properties instanceof Map ? properties.entries() : Object.entries(properties);
  for (const [name, value] of entries) {
    out += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  }
  return out;
}

/** Decodes a properties string; tolerates a missing trailing separator and skips empty pairs. */
export function decodeProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = text.length;
    const sep = text.indexOf(NAME_VALUE_SEPARATOR, start);
    if (sep >= start && sep < end) out.set(text.slice(start, sep), text.slice(sep + 1, end));
    start = end + 1;
  }
  return out;
}

/** Reads one property from an encoded properties string without decoding the rest. */
export function findProperty(text: string, name: string): string | undefined {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = text.length;
    if (
      text.startsWith(name, start) &&
      text.charCodeAt(start + name.length) === 1 &&
      start + name.length < end
    ) {
      return text.slice(start + name.length + 1, end);
    }
    start = end + 1;
  }
  return undefined;
}

/**
 * The properties string with `entries` set: pairs of those names are dropped in one scan and the
 * new ones appended, so parking a message in a system topic needs no decode into a Map and back.
 */
export function replaceProperties(
  text: string,
  entries: readonly (readonly [string, string])[],
): string {
  let out = '';
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = text.length;
    const sep = text.indexOf(NAME_VALUE_SEPARATOR, start);
    if (sep >= start && sep < end) {
      const name = text.slice(start, sep);
      if (!entries.some((e) => e[0] === name)) out += text.slice(start, end) + PROPERTY_SEPARATOR;
    }
    start = end + 1;
  }
  for (const [name, value] of entries)
    out += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  return out;
}
