import { TableCell, TableRow } from "@/components/ui/table";
import type { FieldRow } from "@/lib/admin/customer-state";
import { cn } from "@/lib/utils";
import { ConsoleTable } from "./console-table";

/** Our synced value next to Stripe's, field by field; a difference is highlighted and labelled. */
export function ComparisonTable({ label, rows }: { label: string; rows: FieldRow[] }) {
  return (
    <ConsoleTable label={label} columns={[["Field", "w-48"], "Our records", "Stripe now"]}>
      {rows.map((row) => (
        <TableRow
          key={row.field}
          data-testid="comparison-row"
          data-differs={row.differs ? "true" : "false"}
          className={cn(row.differs && "bg-warning/10 hover:bg-warning/10")}
        >
          <TableCell className="px-3 align-top whitespace-normal">
            <span className="font-medium">{row.field}</span>
            {row.differs && (
              <span className="ml-2 rounded-md border border-current px-1.5 py-0.5 text-xs font-medium">
                differs
              </span>
            )}
          </TableCell>
          <TableCell className="px-3 align-top font-mono text-xs break-all whitespace-normal">
            {row.ours}
          </TableCell>
          <TableCell className="px-3 align-top font-mono text-xs break-all whitespace-normal">
            {row.stripe}
          </TableCell>
        </TableRow>
      ))}
    </ConsoleTable>
  );
}
