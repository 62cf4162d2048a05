/** Small helpers the storefront parsers share to turn a vendor's fields into the canonical model's. */

/** At most `max` UTF-16 units of `text`, never ending on half a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

/** The trimmed text, cut to `max`, or undefined when there is none. */
export function present(text: string | null | undefined, max: number): string | undefined {
  const trimmed = text?.trim();
  return trimmed ? cut(trimmed, max) : undefined;
}

/** `value` without its undefined fields. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
