/** Times on the console, in UTC to the second ("2026-12-03 18:31:05 UTC"): the same on every host. */
export function utc(date: Date | null | undefined): string {
  if (!date) return "—";
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** An hour bucket's label ("18:00"). */
export function hourLabel(date: Date): string {
  return `${date.toISOString().slice(11, 13)}:00`;
}
