import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import type { ConsoleEvent } from "@/lib/admin/console";
import { utc } from "./format";

export function customerHref(customerId: string): string {
  return `/admin/billing/customers/${encodeURIComponent(customerId)}`;
}

/** The ledger's newest events: what arrived, for whom, and what handling did. */
export function EventsTable({ events }: { events: ConsoleEvent[] }) {
  if (events.length === 0) {
    return <p className="text-muted-foreground text-sm">No events.</p>;
  }
  return (
    <Card className="gap-0 overflow-hidden py-0">
      <Table aria-label="Webhook events" data-testid="events-table">
        <TableHeader className="bg-muted/50">
          <TableRow>
            <TableHead className="text-muted-foreground px-3">Received</TableHead>
            <TableHead className="text-muted-foreground px-3">Event</TableHead>
            <TableHead className="text-muted-foreground px-3">Customer</TableHead>
            <TableHead className="text-muted-foreground px-3">Outcome</TableHead>
            <TableHead className="text-muted-foreground px-3">Attempts</TableHead>
            <TableHead className="text-muted-foreground px-3">Processed</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
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
        </TableBody>
      </Table>
    </Card>
  );
}
