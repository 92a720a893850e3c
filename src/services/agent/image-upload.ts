import { Readable } from 'node:stream';
import { ApiError } from '../../common/errors/api-error';

function reason(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e.cause?.message ? `${e.message} (${e.cause.message})` : e.message ?? String(err);
}

/**
 * Streams `data` to a signed upload URL of the image service (a chunked PUT: the data is never held
 * whole in memory). If `data` fails midway the request is aborted, so the image service never
 * takes a truncated upload for a complete one.
 */
export async function uploadImageData(url: string, data: Readable, fetchImpl: typeof fetch = fetch): Promise<void> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: Readable.toWeb(data) as unknown as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
  } catch (err) {
    throw new ApiError(502, `Could not upload the image data: ${reason(err)}`, 'ImageUploadFailed');
  }
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    throw new ApiError(502, `Could not upload the image data: the image service answered ${res.status} ${body.slice(0, 500)}`.trim(), 'ImageUploadFailed');
  }
  await res.body?.cancel().catch(() => undefined);
}
