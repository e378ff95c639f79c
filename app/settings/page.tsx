import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/require-user";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requireUser("/settings");
  return (
    <section>
      <h1 className="text-2xl font-semibold">Account</h1>
      <dl className="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
        <div className="flex justify-between px-4 py-3 text-sm">
          <dt className="text-slate-500">Sign-in email</dt>
          <dd>{user.email}</dd>
        </div>
        <div className="flex justify-between px-4 py-3 text-sm">
          <dt className="text-slate-500">Name</dt>
          <dd>{user.name ?? "—"}</dd>
        </div>
      </dl>
    </section>
  );
}
