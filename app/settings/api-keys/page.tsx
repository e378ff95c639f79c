import type { Metadata } from "next";
import Link from "next/link";
import { API_KEYS_FEATURE, listApiKeys } from "@/lib/api-keys";
import { requireUser } from "@/lib/auth/require-user";
import { getEntitlements } from "@/lib/billing/access/entitlements";
import { formatDate } from "@/lib/format";
import { revokeApiKeyAction } from "./actions";
import { CreateKeyForm } from "./create-key-form";

export const metadata: Metadata = { title: "API keys" };
export const dynamic = "force-dynamic";

/** The paid feature: personal API keys for the `/api/v1` endpoints (Pro and Team plans). */
export default async function ApiKeysPage() {
  const user = await requireUser("/settings/api-keys");
  const entitlements = await getEntitlements(user.id);
  const allowed = entitlements.features.has(API_KEYS_FEATURE);

  if (!allowed) {
    return (
      <section className="space-y-4">
        <h1 className="text-2xl font-semibold">API keys</h1>
        <div
          className="rounded-lg border border-slate-200 bg-white p-6"
          data-testid="upgrade-prompt"
        >
          <h2 className="font-semibold">API access is a paid feature</h2>
          <p className="mt-2 text-sm text-slate-600">
            You are on the {entitlements.plan.name} plan. Upgrade to Pro or Team to create API keys
            and call the API from your own tools.
          </p>
          <Link
            href="/settings/billing"
            className="mt-4 inline-block rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
          >
            See plans
          </Link>
        </div>
      </section>
    );
  }

  const keys = await listApiKeys(user.id);
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">API keys</h1>
        <p className="mt-1 text-sm text-slate-600">
          Call <code className="font-mono">GET /api/v1/me</code> with{" "}
          <code className="font-mono">Authorization: Bearer &lt;key&gt;</code>. Included in your{" "}
          {entitlements.plan.name} plan.
        </p>
      </div>
      <CreateKeyForm />
      {keys.length === 0 ? (
        <p className="text-sm text-slate-500">No keys yet.</p>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {keys.map((key) => (
            <li key={key.id} className="flex items-center justify-between px-4 py-3 text-sm">
              <span>
                <span className="font-medium">{key.name}</span>{" "}
                <code className="font-mono text-slate-500">{key.prefix}…</code>
                <span className="ml-2 text-slate-500">
                  created {formatDate(key.createdAt)}
                  {key.lastUsedAt ? ` · last used ${formatDate(key.lastUsedAt)}` : ""}
                </span>
              </span>
              <form action={revokeApiKeyAction}>
                <input type="hidden" name="id" value={key.id} />
                <button type="submit" className="text-red-700 hover:underline">
                  Revoke
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
