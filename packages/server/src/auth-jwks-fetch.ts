import { customFetch, type RemoteJWKSetOptions } from 'jose';

/** The largest key-set response read: real ones are a few kilobytes (a key is under 1 KiB). */
export const MAX_KEY_SET_BYTES = 1024 * 1024;

/**
 * How jose fetches `auth.jwt.jwksUrl`: within 5 s (jose's default, the body
 * included), redirects not followed (jose's `redirect: 'manual'`: a 3xx is an
 * outage, never a key set from elsewhere), at most once per 30 s for a token
 * naming an unknown `kid` (jose's cooldown), and a body over
 * {@link MAX_KEY_SET_BYTES} refused after reading no more than that, so a
 * key-set host that answers 50 MB costs 1 MiB of memory, not 50. @internal
 */
export const KEY_SET_FETCH: RemoteJWKSetOptions = {
  timeoutDuration: 5000,
  cooldownDuration: 30_000,
  [customFetch]: cappedFetch,
};

async function cappedFetch(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (response.status !== 200) {
    // jose refuses it by its status alone.
    await response.body?.cancel();
    return response;
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_KEY_SET_BYTES) {
    await response.body?.cancel();
    throw new Error(`the key set at ${url} is ${declared} bytes, over the ${MAX_KEY_SET_BYTES} read`);
  }
  if (response.body === null) return response;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > MAX_KEY_SET_BYTES) {
      await reader.cancel();
      throw new Error(`the key set at ${url} is over the ${MAX_KEY_SET_BYTES} bytes read`);
    }
    chunks.push(chunk.value);
  }
  return new Response(Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers: response.headers });
}
