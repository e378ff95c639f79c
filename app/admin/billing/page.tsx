import type { Metadata } from "next";
import Link from "next/link";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { TableCell, TableRow } from "@/components/ui/table";
import { requireAdmin } from "@/lib/admin/access";
import { recentAdminActions } from "@/lib/admin/audit";
import { loadBillingConsole, parseEventFilter, type EventFilter } from "@/lib/admin/console";
import { stripeMode } from "@/lib/stripe";
import { cn } from "@/lib/utils";
import { BarChart } from "./_components/bar-chart";
import { customerHref, EventsTable } from "./_components/events-table";
import { utc } from "./_components/format";
import { ConsoleTable } from "./_components/console-table";

export const metadata: Metadata = {
  title: "Billing console",
  robots: { index: false, follow: false },
};
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const FILTERS: { value: EventFilter; label: string; href: string }[] = [
  { value: "all", label: "All", href: "/admin/billing" },
  { value: "failed", label: "Failed", href: "/admin/billing?filter=failed" },
  { value: "pending", label: "Pending", href: "/admin/billing?filter=pending" },
];

/** The founder's billing console: the pipeline's state from our records (no Stripe call). */
export default async function BillingConsolePage({ searchParams }: Props) {
  await requireAdmin();
  const params = await searchParams;
  const filter = parseEventFilter(params.filter);
  const [data, actions] = await Promise.all([loadBillingConsole(filter), recentAdminActions(20)]);
  const { events, queue, emails, reconcile, series } = data;

  return (
    <section className="space-y-10">
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">Billing console</h1>
        <Badge variant={stripeMode() === "live" ? "default" : "warning"}>
          {stripeMode() === "live" ? "Live mode" : "Test mode"}
        </Badge>
      </header>
      {params.resync === "invalid" && (
        <Alert variant="destructive">
          <AlertDescription>That is not a Stripe customer id (cus_…).</AlertDescription>
        </Alert>
      )}

      <section aria-labelledby="charts" className="space-y-4">
        <h2 id="charts" className="text-lg font-semibold">
          Last 24 hours
        </h2>
        <div className="grid gap-4 md:grid-cols-3">
          <Card className="py-4">
            <CardContent className="px-4">
              <BarChart title="Events received" points={series.received} unit="events" />
            </CardContent>
          </Card>
          <Card className="py-4">
            <CardContent className="px-4">
              <BarChart title="Events with an error" points={series.errors} unit="events" />
            </CardContent>
          </Card>
          <Card className="py-4">
            <CardContent className="px-4">
              <BarChart
                title="Median sync latency"
                points={series.latencySeconds}
                unit="seconds"
                format={(v) => (v < 10 ? v.toFixed(1) : String(Math.round(v)))}
              />
            </CardContent>
          </Card>
        </div>
      </section>

      <section aria-labelledby="events" className="space-y-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="events" className="text-lg font-semibold">
            Webhook events
          </h2>
          <nav aria-label="Event filter" className="flex gap-1 text-sm">
            {FILTERS.map((f) => (
              <Link
                key={f.value}
                href={f.href}
                aria-current={f.value === filter ? "page" : undefined}
                className={cn(
                  "rounded-md border px-3 py-1.5 underline-offset-4 hover:underline",
                  f.value === filter ? "bg-primary text-primary-foreground" : "bg-background",
                )}
              >
                {f.label}
              </Link>
            ))}
          </nav>
        </div>
        <p className="text-muted-foreground text-sm">
          The newest 50{filter === "all" ? "" : ` ${filter}`} events in the ledger, newest first.
        </p>
        <EventsTable events={events} />
      </section>

      <section aria-labelledby="queue" className="space-y-4">
        <h2 id="queue" className="text-lg font-semibold">
          Sync queue
        </h2>
        {queue.length === 0 ? (
          <p className="text-muted-foreground text-sm">No customer is waiting for a sync.</p>
        ) : (
          <ConsoleTable
            label="Customers waiting or failing"
            columns={["Customer", "Waiting", "Failures", "Next try", "Last error"]}
          >
            {queue.map((q) => (
              <TableRow key={q.customerId}>
                <TableCell className="px-3 font-mono text-xs">
                  <Link
                    className="text-primary underline underline-offset-4"
                    href={customerHref(q.customerId)}
                  >
                    {q.customerId}
                  </Link>
                </TableCell>
                <TableCell className="px-3">
                  {q.waiting}
                  {q.leased ? " (syncing)" : ""}
                </TableCell>
                <TableCell className="px-3">{q.failures}</TableCell>
                <TableCell className="px-3 text-xs">{utc(q.runAfter)}</TableCell>
                <TableCell className="text-destructive max-w-xs px-3 text-xs whitespace-normal break-words">
                  {q.lastError ?? "—"}
                </TableCell>
              </TableRow>
            ))}
          </ConsoleTable>
        )}

        <h3 className="font-semibold">Billing emails not sent</h3>
        {emails.length === 0 ? (
          <p className="text-muted-foreground text-sm">
            No billing email has failed or is overdue.
          </p>
        ) : (
          <ConsoleTable
            label="Billing emails that failed"
            columns={["Email", "Customer", "Status", "Attempts", "Last error"]}
          >
            {emails.map((e) => (
              <TableRow key={e.id}>
                <TableCell className="px-3">{e.kind}</TableCell>
                <TableCell className="px-3 font-mono text-xs">
                  <Link
                    className="text-primary underline underline-offset-4"
                    href={customerHref(e.stripeCustomerId)}
                  >
                    {e.stripeCustomerId}
                  </Link>
                </TableCell>
                <TableCell className="px-3">
                  {e.status === "failed" ? (
                    <Badge variant="destructive">failed</Badge>
                  ) : (
                    `retry at ${utc(e.runAfter)}`
                  )}
                </TableCell>
                <TableCell className="px-3">{e.attempts}</TableCell>
                <TableCell className="text-destructive max-w-xs px-3 text-xs whitespace-normal break-words">
                  {e.lastError ?? "—"}
                </TableCell>
              </TableRow>
            ))}
          </ConsoleTable>
        )}
      </section>

      <section aria-labelledby="reconcile" className="space-y-4">
        <h2 id="reconcile" className="text-lg font-semibold">
          Last reconciliation
        </h2>
        {!reconcile ? (
          <p className="text-muted-foreground text-sm">
            No reconciliation has run yet (the daily cron, or npm run stripe:reconcile).
          </p>
        ) : (
          <Card data-testid="reconcile-run">
            <CardHeader>
              <CardTitle>
                {utc(reconcile.startedAt)} · {reconcile.source} ·{" "}
                {reconcile.livemode ? "live" : "test"} mode
              </CardTitle>
              <CardDescription>
                {reconcile.changed} changed, {reconcile.unchanged} unchanged, {reconcile.skipped}{" "}
                skipped, {reconcile.failed} failed; {reconcile.redriven} stale events re-driven,{" "}
                {reconcile.drained} queued syncs drained; took{" "}
                {Math.round(
                  (reconcile.finishedAt.getTime() - reconcile.startedAt.getTime()) / 100,
                ) / 10}{" "}
                s.
              </CardDescription>
            </CardHeader>
            <CardContent>
              {reconcile.lines.length === 0 ? (
                <p className="text-muted-foreground text-sm">It changed nothing.</p>
              ) : (
                <pre className="bg-muted overflow-x-auto rounded-md p-3 text-xs" tabIndex={0}>
                  {reconcile.lines.join("\n")}
                </pre>
              )}
            </CardContent>
          </Card>
        )}
      </section>

      <section aria-labelledby="audit" className="space-y-4">
        <h2 id="audit" className="text-lg font-semibold">
          Audit log
        </h2>
        {actions.length === 0 ? (
          <p className="text-muted-foreground text-sm">No admin action yet.</p>
        ) : (
          <ConsoleTable
            label="Audit log"
            columns={["When", "Who", "Action", "Target", "Detail"]}
            testId="audit-log"
          >
            {actions.map((a) => (
              <TableRow key={a.id}>
                <TableCell className="px-3 text-xs">{utc(a.createdAt)}</TableCell>
                <TableCell className="px-3">{a.actorEmail}</TableCell>
                <TableCell className="px-3">{a.action}</TableCell>
                <TableCell className="px-3 font-mono text-xs">{a.target ?? "—"}</TableCell>
                <TableCell className="px-3 whitespace-normal">{a.detail ?? "—"}</TableCell>
              </TableRow>
            ))}
          </ConsoleTable>
        )}
      </section>
    </section>
  );
}
