import type { ReactNode } from "react";
import type { PortalFlow } from "@/lib/billing/portal";
import { openBillingPortal } from "../actions";

const STYLES = {
  primary: "bg-slate-900 text-white hover:bg-slate-700",
  secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50",
  danger: "border border-red-200 bg-white text-red-700 hover:bg-red-50",
} as const;

/** A plain form posting to the Server Action: works with JavaScript disabled. */
export function PortalButton({
  flow,
  price,
  variant = "secondary",
  children,
}: {
  flow: PortalFlow;
  price?: string;
  variant?: keyof typeof STYLES;
  children: ReactNode;
}) {
  return (
    <form action={openBillingPortal}>
      <input type="hidden" name="flow" value={flow} />
      {price && <input type="hidden" name="price" value={price} />}
      <button
        type="submit"
        className={`rounded-md px-4 py-2 text-sm font-medium ${STYLES[variant]}`}
      >
        {children}
      </button>
    </form>
  );
}
