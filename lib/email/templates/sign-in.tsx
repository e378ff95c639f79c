import { EmailLayout, EmailParagraph } from "@/lib/email/templates/layout";
import type { EmailBrand } from "@/lib/email/templates/billing-content";

export type SignInEmailProps = { url: string; host: string; brand: EmailBrand };

/** Kept exactly: end-to-end tests and customers' filters find the email by it. */
export function signInEmailSubject(host: string): string {
  return `Sign in to ${host}`;
}

/** The magic-link email: one "Sign in" button to the link Auth.js made. */
export function SignInEmail({ url, host, brand }: SignInEmailProps) {
  return (
    <EmailLayout
      brand={brand}
      preview={`Your sign-in link for ${host}`}
      heading={signInEmailSubject(host)}
      action={{ label: "Sign in", href: url }}
      note="If you did not request this email you can safely ignore it."
    >
      <EmailParagraph>
        Someone, hopefully you, asked to sign in to {brand.businessName} with this email address.
        Press the button to sign in.
      </EmailParagraph>
    </EmailLayout>
  );
}
