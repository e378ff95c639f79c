/**
 * lib/billing/stripe/: small, pure helpers about Stripe's own objects and errors, and the one
 * listing helper per object. Anything in lib/billing may import them; they import nothing of
 * lib/billing.
 */

/** Id of an expandable field, whichever form Stripe returned it in. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === "string" ? value : value.id;
}
