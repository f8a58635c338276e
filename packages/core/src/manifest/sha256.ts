/**
 * SHA-256 content hashes through Web Crypto, which Node 20, Workers and browsers all provide.
 */

/** SHA-256 of `data` (bytes, or a string encoded as UTF-8) as 64 lowercase hex characters. */
export async function sha256Hex(data: Uint8Array | ArrayBuffer | string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', toDigestInput(data));
  const bytes = new Uint8Array(digest);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Bytes of `data` in a form Web Crypto accepts (SharedArrayBuffer views are copied). */
function toDigestInput(data: Uint8Array | ArrayBuffer | string): Uint8Array<ArrayBuffer> | ArrayBuffer {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof ArrayBuffer) return data;
  if (data.buffer instanceof ArrayBuffer) return data as Uint8Array<ArrayBuffer>;
  return new Uint8Array(data);
}
