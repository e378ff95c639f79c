const LOCALE = "en-US";

/**
 * Money from Stripe's minor units, in the amount's own currency. The number of minor digits comes
 * from Intl (2 for USD, 0 for JPY, 3 for KWD), not from an assumption that every currency has cents.
 */
export function formatMoney(minorUnits: number, currency: string): string {
  const formatter = new Intl.NumberFormat(LOCALE, {
    style: "currency",
    currency: currency.toUpperCase(),
  });
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(minorUnits / 10 ** digits);
}

const dateFormatter = new Intl.DateTimeFormat(LOCALE, { dateStyle: "long", timeZone: "UTC" });

/** A calendar date, in UTC so server rendering is the same on every host. */
export function formatDate(date: Date): string {
  return dateFormatter.format(date);
}
