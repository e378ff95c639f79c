"use client";

import type { ComponentProps, ReactNode } from "react";
import { useFormStatus } from "react-dom";
import { LoaderCircle } from "lucide-react";
import { Button } from "@/components/ui/button";

export type SubmitButtonVariant = ComponentProps<typeof Button>["variant"];

/**
 * A form's submit button that says it is working while the Server Action runs (a Stripe session
 * takes 0.4-2 s to create) and cannot be pressed twice. Without JavaScript it is a plain button.
 */
export function SubmitButton({
  children,
  pendingLabel = "Opening…",
  variant = "outline",
  className,
  name,
  value,
}: {
  children: ReactNode;
  pendingLabel?: string;
  variant?: SubmitButtonVariant;
  className?: string;
  /** Sent with the form when this button submits it (one form, two choices). */
  name?: string;
  value?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <Button
      type="submit"
      name={name}
      value={value}
      variant={variant}
      disabled={pending}
      aria-busy={pending}
      className={className}
    >
      {pending ? (
        <>
          <LoaderCircle className="animate-spin" aria-hidden="true" />
          {pendingLabel}
        </>
      ) : (
        children
      )}
    </Button>
  );
}
