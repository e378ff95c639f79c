/** Hosted invoice page `/i/<id>` and a tiny generated PDF at `/i/<id>/pdf`. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Stripe from "stripe";
import type { EmulatorCore } from "../engine/emulator-core";
import { redirect, sendHtml } from "../http/respond";
import { formatAmount } from "../resources/currency";
import { authenticateInvoicePayment } from "../resources/invoices/authentication";
import { paymentNeedsAction } from "../resources/invoices/payment-intents";
import { esc, fmtDate, layout } from "./layout";
import { findInModes, readForm } from "./request";

/** Builds a minimal valid one-page PDF (text only) with correct xref offsets. */
export function minimalPdf(lines: string[]): Buffer {
  const text = lines
    .map(
      (l, i) =>
        `BT /F1 12 Tf 50 ${780 - i * 18} Td (${l.replace(/[()\\]/g, (c) => `\\${c}`)}) Tj ET`,
    )
    .join("\n");
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** "Complete authentication" / "Fail authentication", like Stripe's test 3-D Secure page. */
function authenticationCard(inv: Stripe.Invoice): string {
  const action = `/i/${esc(inv.id)}/authenticate`;
  return `<div class="card" data-testid="authentication"><h2>Confirm your payment</h2><p>Your bank asks you to authenticate this payment (3-D Secure).</p><div class="actions"><form class="inline" method="post" action="${action}"><input type="hidden" name="outcome" value="complete"><button class="primary" type="submit">Complete authentication</button></form> <form class="inline" method="post" action="${action}"><input type="hidden" name="outcome" value="fail"><button type="submit">Fail authentication</button></form></div></div>`;
}

export async function handleInvoicePage(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const m = /^\/i\/([^/]+)(\/pdf|\/authenticate)?$/.exec(url.pathname);
  const found = m ? findInModes(core, (s) => s.invoices, decodeURIComponent(m[1] ?? "")) : null;
  if (!found)
    return sendHtml(res, 404, layout("Invoice", `<div class="card">No such invoice.</div>`));
  const { found: inv, mode } = found;
  const ctx = core.ctx(mode, { id: null, idempotency_key: null });
  if (m?.[2] === "/authenticate") {
    if (req.method !== "POST") return redirect(res, `/i/${inv.id}`);
    const outcome = (await readForm(req)).outcome === "complete" ? "complete" : "fail";
    if (authenticateInvoicePayment(ctx, inv, outcome)) core.changed();
    return redirect(res, `/i/${inv.id}`);
  }
  const amount = (n: number) => formatAmount(n, inv.currency);
  if (m?.[2] === "/pdf") {
    const pdf = minimalPdf([
      `Invoice ${inv.number ?? inv.id} (Local Stripe emulator)`,
      `Status: ${inv.status}`,
      `Billed to: ${inv.customer_email ?? inv.customer_name ?? String(inv.customer)}`,
      `Date: ${fmtDate(inv.created)}`,
      ...inv.lines.data.map((l) => `${l.description ?? ""}: ${amount(l.amount)}`),
      `Total: ${amount(inv.total)}  Paid: ${amount(inv.amount_paid)}  Due: ${amount(inv.amount_due)}`,
    ]);
    res.writeHead(200, {
      "content-type": "application/pdf",
      "content-disposition": `inline; filename="${inv.number ?? inv.id}.pdf"`,
    });
    res.end(pdf);
    return;
  }
  const badge = inv.status === "paid" ? "ok" : inv.status === "open" ? "warn" : "";
  const rows = inv.lines.data
    .map((l) => `<tr><td>${esc(l.description)}</td><td>${esc(amount(l.amount))}</td></tr>`)
    .join("");
  const body = `<div class="card"><h2>Invoice ${esc(inv.number ?? inv.id)} <span class="badge ${badge}">${esc(inv.status)}</span></h2>
<p class="muted">Billed to ${esc(inv.customer_email ?? inv.customer_name ?? "")} · ${esc(fmtDate(inv.created))}</p>
<table><tbody>${rows}<tr><th>Total</th><th>${esc(amount(inv.total))}</th></tr><tr><td>Amount paid</td><td>${esc(amount(inv.amount_paid))}</td></tr><tr><td>Amount due</td><td>${esc(amount(inv.amount_due))}</td></tr></tbody></table>
<div class="actions"><a class="button" href="/i/${esc(inv.id)}/pdf">Download PDF</a></div></div>${paymentNeedsAction(ctx, inv) ? authenticationCard(inv) : ""}`;
  sendHtml(res, 200, layout(`Invoice ${inv.number ?? ""}`, body));
}
