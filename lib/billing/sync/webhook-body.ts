/** Stripe's event payloads are a few kilobytes; anything near this is not from Stripe. */
export const MAX_WEBHOOK_BODY_BYTES = 512 * 1024;

/**
 * The raw request body as text (exactly what Stripe signed), or null when it is larger than
 * `limit`. A declared Content-Length over the limit is refused without reading; otherwise the
 * stream is read only up to the limit, so an oversized chunked body is never buffered whole.
 */
export async function readWebhookBody(
  request: Request,
  limit = MAX_WEBHOOK_BODY_BYTES,
): Promise<string | null> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return "";

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
