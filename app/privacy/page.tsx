import type { Metadata } from "next";

export const metadata: Metadata = { title: "Privacy policy" };

// TEMPLATE: replace with your own policy. The Stripe portal links here (business_profile).
export default function PrivacyPage() {
  return (
    <article className="max-w-2xl">
      <h1 className="text-2xl font-semibold">Privacy policy</h1>
      <p className="text-muted-foreground mt-4">
        This is the template&apos;s placeholder. Replace it with your product&apos;s privacy policy
        before going live: the Stripe Customer Portal links to this page.
      </p>
    </article>
  );
}
