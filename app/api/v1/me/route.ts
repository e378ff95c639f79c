import { authenticateApiKey } from "@/lib/api-keys";

export const dynamic = "force-dynamic";

/** The demo API: who owns this key, and on which plan. Needs a paid plan (API access). */
export async function GET(request: Request): Promise<Response> {
  const auth = await authenticateApiKey(request.headers.get("authorization"));
  if (!auth.ok) return Response.json({ error: auth.error }, { status: auth.status });
  return Response.json({ email: auth.email, plan: auth.plan });
}
