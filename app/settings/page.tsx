import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/require-user";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requireUser("/settings");
  return (
    <section>
      <h1 className="text-2xl font-semibold">Account</h1>
      <Card className="mt-6 gap-0 py-0">
        <dl className="divide-y">
          <div className="flex justify-between gap-4 px-4 py-3 text-sm">
            <dt className="text-muted-foreground">Sign-in email</dt>
            <dd className="break-all">{user.email}</dd>
          </div>
          <div className="flex justify-between gap-4 px-4 py-3 text-sm">
            <dt className="text-muted-foreground">Name</dt>
            <dd>{user.name ?? "—"}</dd>
          </div>
        </dl>
      </Card>
    </section>
  );
}
