/**
 * What each billing email says, as data: lib/billing/emails/ fills it from the synced records,
 * lib/email/templates/ renders it (HTML and plain text, one layout shared with sign-in). Every
 * amount and date is already formatted; every URL is absolute. `actionUrl` is the email's one
 * button.
 */
export type BillingEmailContent =
  | {
      kind: "payment_failed";
      planName: string;
      /** "$12.00" */
      amount: string;
      /** "Visa ending in 4242", or null when the card is unknown. */
      card: string | null;
      /** The date the plan stops unless paid (the grace period's end), or null. */
      accessEndsOn: string | null;
      /** GET /api/billing/portal?flow=payment_method */
      actionUrl: string;
    }
  | {
      kind: "payment_action_required";
      planName: string;
      amount: string;
      /** Stripe's hosted invoice page, where the bank's check (3-D Secure) is done. */
      actionUrl: string;
    }
  | {
      kind: "trial_will_end";
      planName: string;
      endsOn: string;
      /** "$12.00 / month", or null when unknown. */
      priceAfter: string | null;
      /** Without one: "Add a payment method" (flow=payment_method); with one: "Manage plan". */
      hasPaymentMethod: boolean;
      actionUrl: string;
    }
  | {
      kind: "cancellation_scheduled";
      planName: string;
      endsOn: string;
      /** "Resume": GET /api/billing/portal?flow=manage */
      actionUrl: string;
    }
  | {
      kind: "subscription_ended";
      planName: string;
      endedOn: string;
      /** The pricing page, to subscribe again. */
      actionUrl: string;
    }
  | {
      kind: "payment_recovered";
      planName: string;
      amount: string;
      /** The billing page. */
      actionUrl: string;
    };

/** The sender's identity in every email (BUSINESS_NAME, SUPPORT_EMAIL, APP_URL). */
export type EmailBrand = { businessName: string; supportEmail: string | null; appUrl: string };

/** An email ready to send: subject, HTML part and plain-text part. */
export type RenderedEmail = { subject: string; html: string; text: string };
