import type { Metadata } from "next";
import Link from "next/link";
import { KeyRound, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { API_KEYS_FEATURE, listApiKeys } from "@/lib/api-keys";
import { requireUser } from "@/lib/auth/require-user";
import { apiKeyLimitText, getEntitlements } from "@/lib/billing/access/entitlements";
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
        <Card data-testid="upgrade-prompt">
          <CardHeader>
            <CardTitle>
              <h2 className="flex items-center gap-2">
                <KeyRound className="size-4" aria-hidden="true" />
                API access is a paid feature
              </h2>
            </CardTitle>
            <CardDescription>
              <p>
                You are on the {entitlements.plan.name} plan. Upgrade to Pro or Team to create API
                keys and call the API from your own tools.
              </p>
            </CardDescription>
          </CardHeader>
          <CardFooter>
            <Button asChild>
              <Link href="/settings/billing">See plans</Link>
            </Button>
          </CardFooter>
        </Card>
      </section>
    );
  }

  const keys = await listApiKeys(user.id);
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">API keys</h1>
        <p className="text-muted-foreground mt-1 text-sm">
          Call <code className="text-foreground font-mono">GET /api/v1/me</code> with{" "}
          <code className="text-foreground font-mono">Authorization: Bearer &lt;key&gt;</code>.
          Included in your {entitlements.plan.name} plan.
        </p>
        <p className="text-muted-foreground mt-1 text-sm" data-testid="api-key-limit">
          {apiKeyLimitText(entitlements)}
        </p>
      </div>
      <CreateKeyForm />
      {keys.length === 0 ? (
        <p className="text-muted-foreground text-sm">No keys yet.</p>
      ) : (
        <Card className="gap-0 py-0">
          <ul className="divide-y">
            {keys.map((key) => (
              <li
                key={key.id}
                className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 text-sm"
              >
                <span>
                  <span className="font-medium">{key.name}</span>{" "}
                  <code className="text-muted-foreground font-mono">{key.prefix}…</code>
                  <span className="text-muted-foreground ml-2">
                    created {formatDate(key.createdAt)}
                    {key.lastUsedAt ? ` · last used ${formatDate(key.lastUsedAt)}` : ""}
                  </span>
                </span>
                <form action={revokeApiKeyAction}>
                  <input type="hidden" name="id" value={key.id} />
                  <Button
                    type="submit"
                    variant="ghost"
                    size="sm"
                    className="text-destructive hover:text-destructive"
                  >
                    <Trash2 aria-hidden="true" />
                    Revoke
                  </Button>
                </form>
              </li>
            ))}
          </ul>
        </Card>
      )}
    </section>
  );
}
