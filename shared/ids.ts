const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A short random record id. Uses getRandomValues, which (unlike randomUUID) also exists on a
 * phone that opened the board over plain http on the compound's Wi-Fi.
 */
export function newId(prefix = '', length = 10): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length));
  let out = prefix;
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}
