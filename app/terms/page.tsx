import type { Metadata } from "next";

export const metadata: Metadata = { title: "Terms of service" };

// TEMPLATE: replace with your own terms. The Stripe portal links here (business_profile).
export default function TermsPage() {
  return (
    <article className="max-w-2xl">
      <h1 className="text-2xl font-semibold">Terms of service</h1>
      <p className="text-muted-foreground mt-4">
        This is the template&apos;s placeholder. Replace it with your product&apos;s terms before
        going live: the Stripe Customer Portal links to this page.
      </p>
    </article>
  );
}
