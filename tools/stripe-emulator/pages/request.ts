/**
 * What every hosted page does with a request: find its object in whichever mode holds it (the
 * URL carries no key), and read a posted form's string fields.
 */
import type { IncomingMessage } from "node:http";
import type { EmulatorCore } from "../engine/emulator-core";
import type { Mode, ModeState } from "../engine/store";
import { parseForm } from "../http/form";
import { readBody } from "../http/respond";

export type Form = Record<string, string>;

export function findInModes<T>(
  core: EmulatorCore,
  pick: (s: ModeState) => Record<string, T>,
  id: string,
): { mode: Mode; found: T } | null {
  for (const mode of ["test", "live"] as const) {
    const found = pick(core.state.modes[mode])[id];
    if (found) return { mode, found };
  }
  return null;
}

export async function readForm(req: IncomingMessage): Promise<Form> {
  const raw = parseForm(await readBody(req));
  const out: Form = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === "string") out[k] = v;
  return out;
}
