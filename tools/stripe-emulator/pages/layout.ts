/** Shared HTML for hosted pages: plain forms, no JavaScript, clearly labelled as an emulator. */
export function esc(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function fmtDate(unix: number | null | undefined): string {
  if (!unix) return "—";
  return new Date(unix * 1000).toLocaleDateString("en-US", {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f8fa;color:#1a1f36}
.banner{background:#fff4d6;border-bottom:1px solid #f0d68a;padding:6px 16px;font-size:13px;text-align:center}
main{max-width:760px;margin:24px auto;padding:0 16px}
header.top{display:flex;justify-content:space-between;align-items:center;margin-bottom:16px}
h1{font-size:22px;margin:0}h2{font-size:17px;margin:0 0 12px}
.card{background:#fff;border:1px solid #e3e8ee;border-radius:8px;padding:20px;margin-bottom:16px}
.row{display:flex;justify-content:space-between;gap:12px;align-items:center;padding:8px 0;border-top:1px solid #f0f2f5}
.row:first-of-type{border-top:0}
.muted{color:#697386;font-size:13px}
.badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;background:#e3e8ee}
.badge.ok{background:#d7f7c2}.badge.warn{background:#fcedb9}.badge.bad{background:#ffe7f2}
button,.button{display:inline-block;font:inherit;font-size:14px;padding:7px 14px;border-radius:6px;border:1px solid #c9d1db;background:#fff;color:#1a1f36;cursor:pointer;text-decoration:none}
button.primary,.button.primary{background:#635bff;border-color:#635bff;color:#fff}
button.danger{background:#df1b41;border-color:#df1b41;color:#fff}
form.inline{display:inline}
label{display:block;margin:10px 0 4px;font-size:13px;font-weight:600}
input[type=text],input[type=email],select,textarea{width:100%;font:inherit;padding:8px 10px;border:1px solid #c9d1db;border-radius:6px}
.radio{font-weight:400;display:flex;gap:8px;align-items:center}
.error{background:#ffe7f2;border:1px solid #f5a3c0;color:#a3123b;padding:10px 12px;border-radius:6px;margin-bottom:12px}
.notice{background:#e6f4ff;border:1px solid #a7d2ff;padding:10px 12px;border-radius:6px;margin-bottom:12px}
.actions{display:flex;gap:8px;flex-wrap:wrap;margin-top:12px}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:6px 4px;border-top:1px solid #f0f2f5;font-size:14px}
code{font-size:12px;background:#f0f2f5;padding:1px 4px;border-radius:4px}
`;

export function layout(
  title: string,
  body: string,
  opts: { back?: { href: string; label: string } } = {},
): string {
  const back = opts.back
    ? `<a class="button" href="${esc(opts.back.href)}">← ${esc(opts.back.label)}</a>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · Local Stripe emulator</title><style>${CSS}</style></head><body><div class="banner" role="note">Local Stripe emulator — test data only, no real payments</div><main><header class="top"><h1>${esc(title)}</h1>${back}</header>${body}</main></body></html>`;
}

/** A page that only says one thing (not found, expired). */
export function messagePage(title: string, message: string): string {
  return layout(title, `<div class="card"><p>${esc(message)}</p></div>`);
}

export const TEST_CARD_HINT = `<p class="muted">Test cards: <code>4242 4242 4242 4242</code> Visa · <code>5555 5555 5555 4444</code> Mastercard · <code>4000 0000 0000 0002</code> declined · <code>4000 0000 0000 0341</code> attaches, later charges fail · <code>4000 0027 6000 3184</code> asks for 3-D Secure. Any future expiry, any CVC.</p>`;

export function cardFields(
  prefill: { name?: string | null; email?: string | null } = {},
  withEmail = false,
): string {
  return `${withEmail ? `<label for="email">Email</label><input id="email" type="email" name="email" required value="${esc(prefill.email ?? "")}">` : ""}
<label for="cardnumber">Card number</label><input id="cardnumber" type="text" name="cardnumber" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
<div style="display:flex;gap:12px"><div style="flex:1"><label for="exp">Expiry (MM / YY)</label><input id="exp" type="text" name="exp" placeholder="12 / 34" value="12 / 34"></div><div style="flex:1"><label for="cvc">CVC</label><input id="cvc" type="text" name="cvc" placeholder="123" value="123"></div></div>
<label for="name">Name on card</label><input id="name" type="text" name="name" value="${esc(prefill.name ?? "")}">
${TEST_CARD_HINT}`;
}

export function parseExpiry(exp: string | undefined): { month: number; year: number } | undefined {
  const m = /^\s*(\d{1,2})\s*\/?\s*(\d{2,4})\s*$/.exec(exp ?? "");
  if (!m) return undefined;
  const month = Number(m[1]);
  let year = Number(m[2]);
  if (year < 100) year += 2000;
  if (month < 1 || month > 12) return undefined;
  return { month, year };
}
