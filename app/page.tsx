import Link from "next/link";
import { ArrowRight } from "lucide-react";
import { Button } from "@/components/ui/button";
import { currentUser } from "@/lib/auth/require-user";

export default async function HomePage() {
  const user = await currentUser();
  return (
    <section className="mx-auto max-w-2xl py-12 text-center">
      <h1 className="text-4xl font-bold tracking-tight">Billing that never drifts.</h1>
      <p className="text-muted-foreground mt-4 text-lg">
        Customers manage their plans through the Stripe Customer Portal; your database stays in step
        through verified webhooks.
      </p>
      <div className="mt-8 flex justify-center gap-3">
        {user ? (
          <Button asChild size="lg">
            <Link href="/settings/billing">
              Go to billing
              <ArrowRight aria-hidden="true" />
            </Link>
          </Button>
        ) : (
          <Button asChild size="lg">
            <Link href="/sign-in">Sign in</Link>
          </Button>
        )}
        <Button asChild size="lg" variant="outline">
          <Link href="/pricing">See pricing</Link>
        </Button>
      </div>
    </section>
  );
}
