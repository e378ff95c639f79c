/**
 * Fault injection on webhook deliveries (`/_emulator/faults`): extra copies, a seeded shuffle,
 * dropped first attempts, a delay before each attempt. The API's own faults are in api/faults.ts.
 */
export interface Faults {
  /** Extra copies of each delivery (each copy signed and sent separately). */
  duplicate: number;
  /** Hold deliveries and release them in seeded random order (on flush or after holdMs). */
  shuffle: boolean;
  seed: number;
  holdMs: number;
  /** Integer n ≥ 1: the first n attempts of each delivery fail; 0 < p < 1: first attempt fails with probability p. */
  dropFirstAttempts: number;
  /** Wait this long before each attempt. */
  delayMs: number;
}

export const NO_FAULTS: Faults = {
  duplicate: 0,
  shuffle: false,
  seed: 1,
  holdMs: 200,
  dropFirstAttempts: 0,
  delayMs: 0,
};

/** Whether the fault settings drop this attempt (`random` is the faults' seeded PRNG). */
export function dropsAttempt(faults: Faults, attempt: number, random: () => number): boolean {
  const d = faults.dropFirstAttempts;
  if (d <= 0) return false;
  if (d < 1) return attempt === 1 && random() < d;
  return attempt <= d;
}
