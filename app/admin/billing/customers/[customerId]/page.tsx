import type { Metadata } from "next";
import { z } from "zod";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { TableCell, TableRow } from "@/components/ui/table";
import { requireAdmin } from "@/lib/admin/access";
import { loadCustomerComparison } from "@/lib/admin/customer-state";
import { BackLink } from "@/app/settings/billing/_components/back-link";
import { SubmitButton } from "@/app/settings/billing/_components/submit-button";
import { ComparisonTable } from "../../_components/comparison-table";
import { utc } from "../../_components/format";
import { resyncNowAction } from "./actions";
import { ConsoleTable } from "../../_components/console-table";

export const metadata: Metadata = {
  title: "Customer · Billing console",
  robots: { index: false, follow: false },
};
export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ customerId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const RESYNC_NOTICES = {
  synced: { variant: "success", text: "Resynced from Stripe: our records are Stripe's state now." },
  skipped: { variant: "warning", text: "The sync was skipped (see the events below for why)." },
  failed: { variant: "destructive", text: "The sync failed; the queue retries it with backoff." },
  busy: {
    variant: "warning",
    text: "Another sync of this customer was running; it finishes there.",
  },
  unknown: {
    variant: "destructive",
    text: "Nothing was synced: this customer is not in our records.",
  },
} as const;
const resyncNotice = z
  .enum(Object.keys(RESYNC_NOTICES) as [keyof typeof RESYNC_NOTICES])
  .optional()
  .catch(undefined);

/**
 * One customer: our synced rows next to Stripe's current state (read now, on this request only),
 * and "Resync now". Admins only; anyone else gets the 404 before anything is read.
 */
export default async function AdminCustomerPage({ params, searchParams }: Props) {
  await requireAdmin();
  const { customerId: raw } = await params;
  const notice = resyncNotice.parse((await searchParams).resync);
  const state = await loadCustomerComparison(raw);
  const shownNotice = notice && RESYNC_NOTICES[notice];

  return (
    <section className="space-y-8">
      <BackLink href="/admin/billing">Back to the billing console</BackLink>
      {shownNotice && (
        <Alert variant={shownNotice.variant} data-testid="resync-notice">
          <AlertDescription>{shownNotice.text}</AlertDescription>
        </Alert>
      )}
      {state.kind === "invalid" ? (
        <>
          <h1 className="text-2xl font-semibold">Not a customer id</h1>
          <p className="text-muted-foreground">
            “{state.input}” is not a Stripe customer id (they look like cus_…).
          </p>
        </>
      ) : state.kind === "unknown" ? (
        <>
          <h1 className="text-2xl font-semibold break-all">Customer {state.customerId}</h1>
          <p className="text-muted-foreground" data-testid="unknown-customer">
            No customer {state.customerId} in our records: the app mirrors only the customers it
            created. Nothing was read from Stripe.
          </p>
        </>
      ) : (
        <>
          <header className="space-y-2">
            <h1 className="text-2xl font-semibold break-all">Customer {state.customer.id}</h1>
            <dl className="text-muted-foreground grid gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
              <div>
                <dt className="inline">User: </dt>
                <dd className="inline">{state.customer.userEmail ?? state.customer.userId}</dd>
              </div>
              <div>
                <dt className="inline">Mode: </dt>
                <dd className="inline">{state.customer.livemode ? "live" : "test"}</dd>
              </div>
              <div>
                <dt className="inline">Last synced: </dt>
                <dd className="inline">{utc(state.customer.syncedAt)}</dd>
              </div>
              <div>
                <dt className="inline">Queue: </dt>
                <dd className="inline">
                  {!state.queue
                    ? "never queued"
                    : `${state.queue.waiting} waiting, ${state.queue.failures} failures` +
                      (state.queue.lastError ? ` (last error: ${state.queue.lastError})` : "")}
                </dd>
              </div>
            </dl>
          </header>

          {!state.stripe.ok ? (
            <Alert variant="destructive" data-testid="comparison-summary">
              <AlertTitle>Stripe could not be read</AlertTitle>
              <AlertDescription>{state.stripe.error}</AlertDescription>
            </Alert>
          ) : state.differences > 0 ? (
            <Alert variant="warning" data-testid="comparison-summary">
              <AlertTitle>
                {state.differences} difference{state.differences === 1 ? "" : "s"} between our
                records and Stripe
              </AlertTitle>
              <AlertDescription>
                Highlighted below. Resync now writes Stripe&apos;s state, as the next sync would.
              </AlertDescription>
            </Alert>
          ) : (
            <Alert variant="success" data-testid="comparison-summary">
              <AlertTitle>Our records match Stripe</AlertTitle>
            </Alert>
          )}

          <form action={resyncNowAction}>
            <input type="hidden" name="customerId" value={state.customer.id} />
            <SubmitButton variant="default" pendingLabel="Syncing…">
              Resync now
            </SubmitButton>
          </form>

          <section aria-labelledby="customer-fields" className="space-y-3">
            <h2 id="customer-fields" className="text-lg font-semibold">
              Customer
            </h2>
            <ComparisonTable label="Customer: ours and Stripe's" rows={state.customerFields} />
          </section>

          <section aria-labelledby="subscriptions" className="space-y-3">
            <h2 id="subscriptions" className="text-lg font-semibold">
              Subscriptions
            </h2>
            {state.subscriptions.length === 0 && (
              <p className="text-muted-foreground text-sm">No subscription on either side.</p>
            )}
            {state.subscriptions.map((s) => (
              <div key={s.id} className="space-y-2">
                <h3 className="flex flex-wrap items-center gap-2 font-mono text-sm">
                  {s.id}
                  {s.presence === "ours" && <Badge variant="warning">only in our records</Badge>}
                  {s.presence === "stripe" && <Badge variant="warning">only in Stripe</Badge>}
                </h3>
                <ComparisonTable
                  label={`Subscription ${s.id}: ours and Stripe's`}
                  rows={s.fields}
                />
              </div>
            ))}
          </section>

          <section aria-labelledby="invoices" className="space-y-3">
            <h2 id="invoices" className="text-lg font-semibold">
              Invoices
            </h2>
            <ComparisonTable label="Invoices: ours and Stripe's" rows={state.invoiceFields} />
          </section>

          <section aria-labelledby="customer-events" className="space-y-3">
            <h2 id="customer-events" className="text-lg font-semibold">
              Recent events
            </h2>
            {state.events.length === 0 ? (
              <p className="text-muted-foreground text-sm">No events for this customer.</p>
            ) : (
              <ConsoleTable
                label="This customer's events"
                columns={["Received", "Event", "Outcome", "Attempts"]}
              >
                {state.events.map((e) => (
                  <TableRow key={e.id}>
                    <TableCell className="px-3 text-xs">{utc(e.receivedAt)}</TableCell>
                    <TableCell className="px-3">{e.type}</TableCell>
                    <TableCell className="px-3 whitespace-normal">
                      {e.outcome ?? (e.processedAt ? "—" : "pending")}
                      {e.lastError && (
                        <span className="text-destructive block text-xs break-words">
                          {e.lastError}
                        </span>
                      )}
                    </TableCell>
                    <TableCell className="px-3">{e.attempts}</TableCell>
                  </TableRow>
                ))}
              </ConsoleTable>
            )}
          </section>
        </>
      )}
    </section>
  );
}
