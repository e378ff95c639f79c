import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { SeatLimits } from "@/lib/billing/catalog/plans";

/**
 * The number of seats of a per-seat plan, within the catalog's range (the browser checks it for
 * convenience; lib/billing/catalog/offers.ts checks it for real).
 */
export function SeatsField({
  id,
  range,
  defaultValue = range.min,
  hint,
  className,
}: {
  id: string;
  range: SeatLimits;
  defaultValue?: number;
  hint?: string;
  className?: string;
}) {
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>Seats</Label>
      <Input
        id={id}
        name="seats"
        type="number"
        inputMode="numeric"
        min={range.min}
        max={range.max}
        defaultValue={defaultValue}
        required
        aria-describedby={hint ? `${id}-hint` : undefined}
        className={className}
      />
      {hint && (
        <p id={`${id}-hint`} className="text-muted-foreground text-xs">
          {hint}
        </p>
      )}
    </div>
  );
}
