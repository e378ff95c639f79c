import { portalConfirmationPath } from "@/app/settings/billing/open/confirmation";
import { currentUser } from "@/lib/auth/require-user";
import { toBillingActionError, type BillingErrorCode } from "@/lib/billing/sessions/errors";
import { createPortalSessionUrl, parsePortalRequest } from "@/lib/billing/sessions/portal";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";

const API_STATUS: Record<BillingErrorCode, number> = {
  unavailable: 503,
  busy: 503,
  not_configured: 503,
  billing_unavailable: 503,
  rate_limited: 429,
  no_subscription: 409,
  already_subscribed: 409,
  same_plan: 409,
  unknown_plan: 400,
  checkout_mismatch: 400,
  checkout_not_open: 409,
  invalid_seats: 400,
  trial_unavailable: 400,
  trial_used: 409,
  failed: 502,
};

/**
 * GET /api/billing/portal?flow=payment_method — for links in emails. Changes nothing: a GET can
 * come from any site (the SameSite=Lax session cookie goes along on top-level navigations), from
 * a link scanner or from a prefetch. Anonymous visitors go to sign-in and come back here;
 * signed-in users get a 303 to a page that names the action, whose button (a same-origin POST to
 * a Server Action) alone creates the customer and the portal session and uses the rate limit.
 */
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const parsed = parsePortalRequest(Object.fromEntries(url.searchParams));
  if (!parsed.ok) return Response.json({ error: parsed.message }, { status: 400 });

  const user = await currentUser();
  if (!user) {
    const back = `/api/billing/portal?${url.searchParams.toString()}`;
    return redirect(`/sign-in?callbackUrl=${encodeURIComponent(back)}`);
  }
  return redirect(portalConfirmationPath(parsed.request));
}

/** POST /api/billing/portal with JSON `{flow, price?}` — for API clients: answers `{url}`. */
export async function POST(request: Request): Promise<Response> {
  const user = await currentUser();
  if (!user) return Response.json({ error: "Sign in to manage billing." }, { status: 401 });

  // A JSON content type cannot be sent cross-site without a CORS preflight, which this route never
  // grants: a form on another site cannot open portal sessions in the user's name.
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    return Response.json(
      { error: "Send a JSON body (Content-Type: application/json)." },
      { status: 415 },
    );
  }
  let body: unknown = {};
  const text = await request.text();
  if (text.length > 10_000) return Response.json({ error: "Body too large." }, { status: 413 });
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      return Response.json({ error: "Body must be JSON." }, { status: 400 });
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return Response.json({ error: "Body must be a JSON object." }, { status: 400 });
  }
  const parsed = parsePortalRequest(body as Record<string, unknown>);
  if (!parsed.ok) return Response.json({ error: parsed.message }, { status: 400 });
  try {
    return Response.json({ url: await createPortalSessionUrl(user.id, parsed.request) });
  } catch (error) {
    const billingError = toBillingActionError(error, "portal api");
    const status = API_STATUS[billingError.code];
    return Response.json({ error: billingError.message, code: billingError.code }, { status });
  }
}

function redirect(location: string): Response {
  return new Response(null, {
    status: 303,
    headers: { Location: new URL(location, env.APP_URL).toString() },
  });
}
