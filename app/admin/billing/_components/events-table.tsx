import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { TableCell, TableRow } from "@/components/ui/table";
import type { ConsoleEvent } from "@/lib/admin/console";
import { utc } from "./format";
import { ConsoleTable } from "./console-table";

export function customerHref(customerId: string): string {
  return `/admin/billing/customers/${encodeURIComponent(customerId)}`;
}

/** The ledger's newest events: what arrived, for whom, and what handling did. */
export function EventsTable({ events }: { events: ConsoleEvent[] }) {
  if (events.length === 0) {
    return <p className="text-muted-foreground text-sm">No events.</p>;
  }
  return (
    <ConsoleTable
      label="Webhook events"
      columns={["Received", "Event", "Customer", "Outcome", "Attempts", "Processed"]}
      testId="events-table"
    >
      {events.map((event) => (
        <TableRow key={event.id} data-testid="event-row">
          <TableCell className="px-3 align-top text-xs">{utc(event.receivedAt)}</TableCell>
          <TableCell className="px-3 align-top whitespace-normal">
            <span className="block font-medium">{event.type}</span>
            <span className="text-muted-foreground block font-mono text-xs break-all">
              {event.id}
            </span>
          </TableCell>
          <TableCell className="px-3 align-top font-mono text-xs">
            {event.customerId ? (
              <Link
                className="text-primary underline underline-offset-4"
                href={customerHref(event.customerId)}
              >
                {event.customerId}
              </Link>
            ) : (
              "—"
            )}
          </TableCell>
          <TableCell className="px-3 align-top whitespace-normal">
            {event.failed ? (
              <Badge variant="destructive">{event.outcome ?? "error"}</Badge>
            ) : event.processedAt === null ? (
              <Badge variant="warning">pending</Badge>
            ) : (
              <span className="text-sm">{event.outcome ?? "—"}</span>
            )}
            {event.lastError && (
              <span className="text-destructive mt-1 block max-w-xs text-xs break-words">
                {event.lastError}
              </span>
            )}
          </TableCell>
          <TableCell className="px-3 align-top">{event.attempts}</TableCell>
          <TableCell className="px-3 align-top text-xs">{utc(event.processedAt)}</TableCell>
        </TableRow>
      ))}
    </ConsoleTable>
  );
}
