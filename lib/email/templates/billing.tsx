import type { ReactNode } from "react";
import {
  EmailLayout,
  EmailParagraph,
  keepTogether,
  Strong,
  type EmailAction,
} from "@/lib/email/templates/layout";
import type { BillingEmailContent, EmailBrand } from "@/lib/email/templates/billing-content";

/**
 * The six billing emails, on the shared layout. Each says what happened and what to do, and has
 * one button to `actionUrl`. `planName` may be the generic "your plan" (lib/billing/emails/
 * compose.ts), so it is never the first word of a sentence or next to "your". The body is plain
 * ASCII (the plain-text part then goes out as 7bit); subjects may use an em dash (headers are
 * encoded separately).
 */
export function billingEmailSubject(content: BillingEmailContent, brand: EmailBrand): string {
  const by = ` — ${brand.businessName}`;
  switch (content.kind) {
    case "payment_failed":
      return `Your payment for ${content.planName} failed${by}`;
    case "payment_action_required":
      return `Confirm your payment for ${content.planName}${by}`;
    case "trial_will_end":
      return `Your trial ends on ${content.endsOn}${by}`;
    case "cancellation_scheduled":
      return `Cancellation scheduled: ${content.planName} ends on ${content.endsOn}${by}`;
    case "subscription_ended":
      return `Your subscription has ended${by}`;
    case "payment_recovered":
      return `Payment received: ${content.planName} is active again${by}`;
  }
}

type Parts = { heading: string; preview: string; label: string; body: ReactNode };

function parts(content: BillingEmailContent): Parts {
  switch (content.kind) {
    case "payment_failed":
      return {
        heading: "Your payment failed",
        preview: `We could not charge ${content.amount} for ${content.planName}.`,
        label: "Update payment method",
        body: (
          <>
            <EmailParagraph>
              We could not charge <Strong>{content.amount}</Strong> for {content.planName}
              {content.card ? <> to your {keepTogether(content.card)}</> : null}.
            </EmailParagraph>
            <EmailParagraph>
              {content.accessEndsOn ? (
                <>
                  Your plan stays active until <Strong>{content.accessEndsOn}</Strong>. Update your
                  payment method before then to keep it.
                </>
              ) : (
                <>Update your payment method to keep your plan.</>
              )}
            </EmailParagraph>
          </>
        ),
      };
    case "payment_action_required":
      return {
        heading: "Confirm your payment",
        preview: `Your bank needs you to confirm a payment of ${content.amount}.`,
        label: "Confirm payment",
        body: (
          <>
            <EmailParagraph>
              Your bank needs you to confirm this payment of <Strong>{content.amount}</Strong> for{" "}
              {content.planName}.
            </EmailParagraph>
            <EmailParagraph>Until you confirm it, the payment is not complete.</EmailParagraph>
          </>
        ),
      };
    case "trial_will_end":
      return content.hasPaymentMethod
        ? {
            heading: `Your trial ends on ${content.endsOn}`,
            preview: `The trial of ${content.planName} ends on ${content.endsOn}.`,
            label: "Manage plan",
            body: (
              <>
                <EmailParagraph>
                  The trial of {content.planName} ends on <Strong>{content.endsOn}</Strong>.
                </EmailParagraph>
                <EmailParagraph>
                  {content.priceAfter ? (
                    <>
                      After that, the plan continues at <Strong>{content.priceAfter}</Strong>,
                      charged to your payment method on file.
                    </>
                  ) : (
                    <>After that, the plan continues, charged to your payment method on file.</>
                  )}{" "}
                  To change or cancel it before then, manage your plan.
                </EmailParagraph>
              </>
            ),
          }
        : {
            heading: `Your trial ends on ${content.endsOn}`,
            preview: `The trial of ${content.planName} ends on ${content.endsOn}, without a payment method.`,
            label: "Add a payment method",
            body: (
              <>
                <EmailParagraph>
                  The trial of {content.planName} ends on <Strong>{content.endsOn}</Strong>.
                </EmailParagraph>
                <EmailParagraph>
                  You have not added a payment method, so the trial ends without it: the plan stops
                  when the trial does. To keep it
                  {content.priceAfter ? (
                    <>
                      {" "}
                      (<Strong>{content.priceAfter}</Strong> after the trial)
                    </>
                  ) : null}
                  , add a payment method before {keepTogether(content.endsOn)}.
                </EmailParagraph>
              </>
            ),
          };
    case "cancellation_scheduled":
      return {
        heading: "Your subscription is canceled",
        preview: `${content.planName} ends on ${content.endsOn}. You can resume it until then.`,
        label: "Resume subscription",
        body: (
          <>
            <EmailParagraph>
              Your subscription to {content.planName} was canceled and ends on{" "}
              <Strong>{content.endsOn}</Strong>. Until then, everything keeps working.
            </EmailParagraph>
            <EmailParagraph>
              Changed your mind? Resume it before {keepTogether(content.endsOn)} and nothing
              changes.
            </EmailParagraph>
          </>
        ),
      };
    case "subscription_ended":
      return {
        heading: "Your subscription has ended",
        preview: `Your subscription to ${content.planName} ended on ${content.endedOn}.`,
        label: "See plans",
        body: (
          <>
            <EmailParagraph>
              Your subscription to {content.planName} ended on <Strong>{content.endedOn}</Strong>,
              and its features are no longer available.
            </EmailParagraph>
            <EmailParagraph>
              Your account is still here: you can subscribe again at any time.
            </EmailParagraph>
          </>
        ),
      };
    case "payment_recovered":
      return {
        heading: "Payment received",
        preview: `We received your payment of ${content.amount}. Your plan is active again.`,
        label: "View billing",
        body: (
          <>
            <EmailParagraph>
              We received your payment of <Strong>{content.amount}</Strong> for {content.planName}.
              Your plan is active again.
            </EmailParagraph>
            <EmailParagraph>Thank you. There is nothing else to do.</EmailParagraph>
          </>
        ),
      };
  }
}

/** One billing email: its button is `content.actionUrl`. */
export function BillingEmail({
  content,
  brand,
}: {
  content: BillingEmailContent;
  brand: EmailBrand;
}) {
  const { heading, preview, label, body } = parts(content);
  const action: EmailAction = { label, href: content.actionUrl };
  return (
    <EmailLayout brand={brand} preview={preview} heading={heading} action={action}>
      {body}
    </EmailLayout>
  );
}
