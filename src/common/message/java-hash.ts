/**
 * Java's `String.hashCode()` over UTF-16 code units, as a signed 32-bit integer. RocketMQ uses it
 * for tag hash codes in ConsumeQueue units and for IndexFile key hashes, so ours must match.
 */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  }
  return h;
}

/** The tag hash code RocketMQ stores in a ConsumeQueue unit for a tag (0 when there is none). */
export function tagsHashCode(tags: string | undefined): number {
  if (tags === undefined || tags.length === 0) return 0;
  return javaStringHash(tags);
}
