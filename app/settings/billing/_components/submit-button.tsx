"use client";

import type { ReactNode } from "react";
import { useFormStatus } from "react-dom";

export const BUTTON_STYLES = {
  primary: "bg-slate-900 text-white hover:bg-slate-700",
  secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50",
  danger: "border border-red-200 bg-white text-red-700 hover:bg-red-50",
} as const;

/**
 * A form's submit button that says it is working while the Server Action runs (a Stripe session
 * takes 0.4-2 s to create) and cannot be pressed twice. Without JavaScript it is a plain button.
 */
export function SubmitButton({
  children,
  pendingLabel = "Opening…",
  variant = "secondary",
}: {
  children: ReactNode;
  pendingLabel?: string;
  variant?: keyof typeof BUTTON_STYLES;
}) {
  const { pending } = useFormStatus();
  return (
    <button
      type="submit"
      disabled={pending}
      aria-busy={pending}
      className={`rounded-md px-4 py-2 text-sm font-medium disabled:cursor-wait disabled:opacity-70 ${BUTTON_STYLES[variant]}`}
    >
      {pending ? pendingLabel : children}
    </button>
  );
}
