import type { Invoice } from "@/lib/generated/prisma/client";
import { formatDate, formatMoney } from "@/lib/format";

export function InvoiceTable({ invoices, locale }: { invoices: Invoice[]; locale: string }) {
  if (invoices.length === 0) {
    return <p className="text-sm text-slate-500">No invoices yet.</p>;
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm" aria-label="Invoices">
        <thead className="bg-slate-50 text-slate-500">
          <tr>
            <th className="px-4 py-2 font-medium">Date</th>
            <th className="px-4 py-2 font-medium">Number</th>
            <th className="px-4 py-2 font-medium">Amount</th>
            <th className="px-4 py-2 font-medium">Status</th>
            <th className="px-4 py-2 font-medium">
              <span className="sr-only">Links</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {invoices.map((invoice) => (
            <tr key={invoice.id}>
              <td className="px-4 py-2">{formatDate(invoice.stripeCreatedAt, locale)}</td>
              <td className="px-4 py-2 font-mono text-xs">{invoice.number ?? "—"}</td>
              <td className="px-4 py-2">{formatMoney(invoice.total, invoice.currency, locale)}</td>
              <td className="px-4 py-2 capitalize">{invoice.status ?? "—"}</td>
              <td className="space-x-3 px-4 py-2 text-right">
                {invoice.hostedInvoiceUrl && (
                  <a className="text-blue-700 underline" href={invoice.hostedInvoiceUrl}>
                    View
                  </a>
                )}
                {invoice.invoicePdf && (
                  <a className="text-blue-700 underline" href={invoice.invoicePdf}>
                    PDF
                  </a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
