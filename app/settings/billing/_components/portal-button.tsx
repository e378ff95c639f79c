import type { ReactNode } from "react";
import type { PortalFlow } from "@/lib/billing/sessions/portal";
import { openBillingPortal } from "../actions";
import { SubmitButton, type SubmitButtonVariant } from "./submit-button";

/** A plain form posting to the Server Action: works with JavaScript disabled. */
export function PortalButton({
  flow,
  price,
  variant = "outline",
  className,
  children,
}: {
  flow: PortalFlow;
  price?: string;
  variant?: SubmitButtonVariant;
  className?: string;
  children: ReactNode;
}) {
  return (
    <form action={openBillingPortal}>
      <input type="hidden" name="flow" value={flow} />
      {price && <input type="hidden" name="price" value={price} />}
      <SubmitButton variant={variant} className={className}>
        {children}
      </SubmitButton>
    </form>
  );
}
