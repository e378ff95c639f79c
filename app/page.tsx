import Link from "next/link";
import { currentUser } from "@/lib/auth/require-user";

export default async function HomePage() {
  const user = await currentUser();
  return (
    <section className="mx-auto max-w-2xl py-12 text-center">
      <h1 className="text-4xl font-bold tracking-tight">Billing that never drifts.</h1>
      <p className="mt-4 text-lg text-slate-600">
        Customers manage their plans through the Stripe Customer Portal; your database stays in step
        through verified webhooks.
      </p>
      <div className="mt-8 flex justify-center gap-3">
        {user ? (
          <Link
            href="/settings/billing"
            className="rounded-md bg-slate-900 px-5 py-2.5 text-sm font-medium text-white hover:bg-slate-700"
          >
            Go to billing
          </Link>
        ) : (
          <Link
            href="/sign-in"
            className="rounded-md bg-slate-900 px-5 py-2.5 text-sm font-medium text-white hover:bg-slate-700"
          >
            Sign in
          </Link>
        )}
      </div>
    </section>
  );
}
