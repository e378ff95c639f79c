import { Card } from "@/components/ui/card";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import type { Invoice } from "@/lib/generated/prisma/client";
import { formatDate, formatMoney } from "@/lib/format";

export function InvoiceTable({ invoices, locale }: { invoices: Invoice[]; locale: string }) {
  if (invoices.length === 0) {
    return <p className="text-muted-foreground text-sm">No invoices yet.</p>;
  }
  return (
    <Card className="gap-0 overflow-hidden py-0">
      <Table aria-label="Invoices">
        <TableHeader className="bg-muted/50">
          <TableRow>
            <TableHead className="text-muted-foreground px-4">Date</TableHead>
            <TableHead className="text-muted-foreground px-4">Number</TableHead>
            <TableHead className="text-muted-foreground px-4">Amount</TableHead>
            <TableHead className="text-muted-foreground px-4">Status</TableHead>
            <TableHead className="px-4">
              <span className="sr-only">Links</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {invoices.map((invoice) => (
            <TableRow key={invoice.id}>
              <TableCell className="px-4">{formatDate(invoice.stripeCreatedAt, locale)}</TableCell>
              <TableCell className="px-4 font-mono text-xs">{invoice.number ?? "—"}</TableCell>
              <TableCell className="px-4">
                {formatMoney(invoice.total, invoice.currency, locale)}
              </TableCell>
              <TableCell className="px-4 capitalize">{invoice.status ?? "—"}</TableCell>
              <TableCell className="space-x-3 px-4 text-right">
                {invoice.hostedInvoiceUrl && (
                  <a
                    className="text-primary underline underline-offset-4"
                    href={invoice.hostedInvoiceUrl}
                  >
                    View
                  </a>
                )}
                {invoice.invoicePdf && (
                  <a
                    className="text-primary underline underline-offset-4"
                    href={invoice.invoicePdf}
                  >
                    PDF
                  </a>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Card>
  );
}
