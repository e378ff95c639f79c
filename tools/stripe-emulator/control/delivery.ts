/** `GET|POST /_emulator/delivery`: read or change the webhook delivery mode at run time. */
import type { DeliveryMode } from "../webhooks/delivery-mode";
import type { Deliverer } from "../webhooks/delivery";
import type { FormObject } from "../http/form";

function numberOf(v: FormObject[string] | undefined, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw new Error(`${name} must be a number`);
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
  return n;
}

/** Parses the (JSON or form) body into a change; unknown keys are refused. */
export function deliveryChange(p: FormObject): Partial<DeliveryMode> {
  const known = [
    "order",
    "duplicateRate",
    "lateRate",
    "seed",
    "windowMs",
    "lateMs",
    "retryDelaysMs",
  ];
  const unknown = Object.keys(p).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`unknown delivery option(s): ${unknown.join(", ")}`);
  const change: Partial<DeliveryMode> = {};
  const order = p.order;
  if (order !== undefined) {
    if (order !== "ordered" && order !== "shuffled")
      throw new Error(`order must be "ordered" or "shuffled"`);
    change.order = order;
  }
  for (const k of ["duplicateRate", "lateRate", "seed", "windowMs", "lateMs"] as const) {
    const n = numberOf(p[k], k);
    if (n !== undefined) change[k] = n;
  }
  const retries = p.retryDelaysMs;
  if (retries !== undefined) {
    // JSON arrays arrive as lists of strings; an empty form value means no retries.
    const list = retries === "" ? [] : Array.isArray(retries) ? retries : [retries];
    change.retryDelaysMs = list.map((d, i) => {
      const n = numberOf(typeof d === "string" ? d : undefined, `retryDelaysMs[${i}]`);
      if (n === undefined) throw new Error(`retryDelaysMs[${i}] must be a number`);
      return n;
    });
  }
  return change;
}

export function handleDelivery(deliverer: Deliverer, method: string, p: FormObject): DeliveryMode {
  return method === "POST" ? deliverer.setMode(deliveryChange(p)) : deliverer.getMode();
}
