/** Emulator clock: real time plus an offset moved by `/_emulator/clock/advance`. */
export class Clock {
  constructor(private offsetSeconds = 0) {}

  now(): number {
    return Math.floor(Date.now() / 1000) + this.offsetSeconds;
  }

  get offset(): number {
    return this.offsetSeconds;
  }

  setNow(unixSeconds: number): void {
    this.offsetSeconds = unixSeconds - Math.floor(Date.now() / 1000);
  }
}

const DAY = 86400;

/** Adds a billing interval in UTC, clamping to the month's last day like Stripe. */
export function addInterval(
  from: number,
  interval: "day" | "week" | "month" | "year",
  count: number,
  anchorDay?: number,
): number {
  if (interval === "day") return from + count * DAY;
  if (interval === "week") return from + count * 7 * DAY;
  const d = new Date(from * 1000);
  const months = interval === "month" ? count : count * 12;
  const day = anchorDay ?? d.getUTCDate();
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    ),
  );
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

export const DAY_SECONDS = DAY;
