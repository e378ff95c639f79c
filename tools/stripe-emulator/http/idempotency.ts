/** Idempotency-Key replay, scoped per mode and API key type like Stripe. */
import { createHash } from "node:crypto";

export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
  created: number;
}

export class IdempotencyStore {
  private readonly entries = new Map<string, StoredResponse>();

  static fingerprint(method: string, path: string, body: string): string {
    return createHash("sha256").update(`${method} ${path}\n${body}`).digest("hex");
  }

  get(mode: string, key: string): StoredResponse | undefined {
    return this.entries.get(`${mode}:${key}`);
  }

  set(mode: string, key: string, value: StoredResponse): void {
    this.entries.set(`${mode}:${key}`, value);
    // Stripe keeps keys for 24h; a size cap is enough for a local tool.
    if (this.entries.size > 5000) {
      const first = this.entries.keys().next();
      if (!first.done) this.entries.delete(first.value);
    }
  }

  clear(mode?: string): void {
    if (!mode) return this.entries.clear();
    for (const k of [...this.entries.keys()]) if (k.startsWith(`${mode}:`)) this.entries.delete(k);
  }
}
