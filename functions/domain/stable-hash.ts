/**
 * A number in [0, 1) from a string, the same on every machine and every run (FNV-1a, 32 bits): A/B
 * assignment that never moves a customer between variants.
 */
export function stableHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}
