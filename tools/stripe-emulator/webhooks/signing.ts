/** Stripe's webhook signature, and one signed POST of an event to a target. */
import { createHmac } from "node:crypto";

/** Stripe's signature scheme: HMAC-SHA256 over `${t}.${payload}` with the endpoint secret. */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

/**
 * POSTs the exact bytes signed; status 0 with an error on a network failure or timeout. The
 * signature timestamp uses real time: receivers check it against their own clock (300 s).
 */
export async function postSigned(
  target: { url: string; secret: string },
  payload: string,
  timeoutMs: number,
): Promise<{ status: number; error: string | null }> {
  const header = signPayload(payload, target.secret, Math.floor(Date.now() / 1000));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "stripe-signature": header,
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) local-emulator",
      },
      body: payload,
      signal: controller.signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, error: null };
  } catch (e) {
    const error = controller.signal.aborted
      ? "timeout"
      : e instanceof Error
        ? e.message
        : String(e);
    return { status: 0, error };
  } finally {
    clearTimeout(timer);
  }
}
