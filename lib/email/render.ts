import { createElement, type ReactElement } from "react";
import { render } from "@react-email/components";
import { env } from "@/lib/env";
import { BillingEmail, billingEmailSubject } from "@/lib/email/templates/billing";
import type {
  BillingEmailContent,
  EmailBrand,
  RenderedEmail,
} from "@/lib/email/templates/billing-content";
import { NO_BREAK_SPACE } from "@/lib/email/templates/layout";
import { SignInEmail, signInEmailSubject } from "@/lib/email/templates/sign-in";

/** The sender's identity from the environment: BUSINESS_NAME, SUPPORT_EMAIL, APP_URL. */
export function emailBrand(): EmailBrand {
  return {
    businessName: env.BUSINESS_NAME,
    supportEmail: env.SUPPORT_EMAIL ?? null,
    appUrl: env.APP_URL,
  };
}

/**
 * Plain text wrapped at 72 columns (URLs are never split): with ASCII text and short lines the
 * text part goes out as 7bit, readable as is, its links intact for any client.
 */
const plainTextOptions = { wordwrap: 72 };

async function renderEmail(subject: string, element: ReactElement): Promise<RenderedEmail> {
  const [html, text] = await Promise.all([
    render(element),
    render(element, { plainText: true, htmlToTextOptions: plainTextOptions }),
  ]);
  // Values kept on one line (keepTogether) are plain spaces again in the text part.
  return { subject, html, text: `${text.replaceAll(NO_BREAK_SPACE, " ").trim()}\n` };
}

/** The magic sign-in link email (subject `Sign in to ${host}`, kept exactly). */
export async function renderSignInEmail({
  url,
  host,
  brand,
}: {
  url: string;
  host: string;
  brand: EmailBrand;
}): Promise<RenderedEmail> {
  return renderEmail(signInEmailSubject(host), createElement(SignInEmail, { url, host, brand }));
}

/** One billing email (lib/email/templates/billing-content.ts): its button is `actionUrl`. */
export async function renderBillingEmail(
  content: BillingEmailContent,
  brand: EmailBrand,
): Promise<RenderedEmail> {
  return renderEmail(
    billingEmailSubject(content, brand),
    createElement(BillingEmail, { content, brand }),
  );
}
