import type Stripe from "stripe";

/**
 * The one listing helper per Stripe object. Every list pages through to the end, up to a limit
 * far past any real account, so a customer with many subscriptions or an account with many
 * products is never judged on its first page (the bug `limit: 1` or one unpaged call causes).
 */

/** Stripe's largest page. */
export const STRIPE_PAGE_SIZE = 100;
/** Auto-paging stops here; reaching it means something is wrong with the account, not a real list. */
export const MAX_LISTED = 10_000;

/** Stripe refuses a `prices.list` call with more `lookup_keys` than this. */
export const MAX_LOOKUP_KEYS_PER_LIST = 10;

/** Every subscription of `customer`, whatever its status. */
export function listCustomerSubscriptions(
  stripe: Stripe,
  customer: string,
  expand: string[] = [],
): Promise<Stripe.Subscription[]> {
  return stripe.subscriptions
    .list({
      customer,
      status: "all",
      limit: STRIPE_PAGE_SIZE,
      ...(expand.length ? { expand } : {}),
    })
    .autoPagingToArray({ limit: MAX_LISTED });
}

/** The key's mode's webhook endpoints. */
export function listWebhookEndpoints(stripe: Stripe): Promise<Stripe.WebhookEndpoint[]> {
  return stripe.webhookEndpoints
    .list({ limit: STRIPE_PAGE_SIZE })
    .autoPagingToArray({ limit: MAX_LISTED });
}

/** The key's mode's Customer Portal configurations (active or not). */
export function listPortalConfigurations(
  stripe: Stripe,
): Promise<Stripe.BillingPortal.Configuration[]> {
  return stripe.billingPortal.configurations
    .list({ limit: STRIPE_PAGE_SIZE })
    .autoPagingToArray({ limit: MAX_LISTED });
}

/** The key's mode's products (active or not). */
export function listProducts(stripe: Stripe): Promise<Stripe.Product[]> {
  return stripe.products.list({ limit: STRIPE_PAGE_SIZE }).autoPagingToArray({ limit: MAX_LISTED });
}

/** Every customer of the key's mode, page by page (an account may have many: never all in memory). */
export function eachCustomer(stripe: Stripe): AsyncIterable<Stripe.Customer> {
  return stripe.customers.list({ limit: STRIPE_PAGE_SIZE });
}

/**
 * Every price carrying one of `lookupKeys`: one `prices.list` per 10 keys (Stripe's limit per
 * call, "Array lookup_keys exceeded maximum 10 allowed elements"), each paged through. The only
 * way this app lists prices by lookup key.
 */
export async function listPricesByLookupKeys(
  stripe: Stripe,
  lookupKeys: readonly string[],
  params: Omit<Stripe.PriceListParams, "lookup_keys"> = {},
): Promise<Stripe.Price[]> {
  const keys = [...new Set(lookupKeys)];
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += MAX_LOOKUP_KEYS_PER_LIST) {
    chunks.push(keys.slice(i, i + MAX_LOOKUP_KEYS_PER_LIST));
  }
  const pages = await Promise.all(
    chunks.map((chunk) =>
      stripe.prices
        .list({ limit: STRIPE_PAGE_SIZE, ...params, lookup_keys: chunk })
        .autoPagingToArray({ limit: MAX_LISTED }),
    ),
  );
  return pages.flat();
}
