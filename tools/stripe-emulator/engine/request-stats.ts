/** Accounting of `/v1/*` API requests: totals, per route pattern, per customer, concurrency. */

export interface RequestStats {
  /** Every `/v1/*` request that reached the handler (after `delayMs`/`stall`), 429s included. */
  total: number;
  /** Requests answered 429 (`rateLimitNext`, `rateLimitPerSecond`). */
  rateLimited: number;
  /** By route pattern, e.g. `"GET /v1/customers/:id"`; unknown routes as `"GET /v1/x (unrecognized)"`. */
  byRoute: Record<string, number>;
  /** By the customer the request names (path, `customer` param, or the object's customer). */
  byCustomer: Record<string, number>;
  /** By status class of the answer: `"2xx"`, `"4xx"`, `"5xx"`. */
  byStatus: Record<string, number>;
  /** API requests received but not finished yet (including delayed and stalled ones). */
  inFlight: number;
  /** Most API requests in flight at the same time since the last reset. */
  maxInFlight: number;
  /** Of those in flight, how many are held by the `stall` fault right now. */
  stalled: number;
}

type Counts = Omit<RequestStats, "stalled">;

const bump = (into: Record<string, number>, key: string): void => {
  into[key] = (into[key] ?? 0) + 1;
};

export class RequestLog {
  private stats: Counts = RequestLog.empty(0);

  private static empty(inFlight: number): Counts {
    return {
      total: 0,
      rateLimited: 0,
      byRoute: {},
      byCustomer: {},
      byStatus: {},
      inFlight,
      maxInFlight: inFlight,
    };
  }

  /** A request arrived (before any fault wait). */
  begin(): void {
    this.stats.inFlight += 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
  }

  /** The request's handler finished (answered, or dropped because the emulator stopped). */
  end(): void {
    this.stats.inFlight = Math.max(0, this.stats.inFlight - 1);
  }

  count(route: string, customer: string | null): void {
    this.stats.total += 1;
    bump(this.stats.byRoute, route);
    if (customer) bump(this.stats.byCustomer, customer);
  }

  answered(status: number): void {
    bump(this.stats.byStatus, `${Math.floor(status / 100)}xx`);
    if (status === 429) this.stats.rateLimited += 1;
  }

  get(stalled: number): RequestStats {
    return { ...structuredClone(this.stats), stalled };
  }

  /** Zeroes the counts; `maxInFlight` restarts from what is in flight right now. */
  reset(): void {
    this.stats = RequestLog.empty(this.stats.inFlight);
  }
}
