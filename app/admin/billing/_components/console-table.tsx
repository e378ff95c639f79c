import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { cn } from "@/lib/utils";
import { Table, TableBody, TableHead, TableHeader, TableRow } from "@/components/ui/table";

/** A column heading, or a heading with its own width (`["Field", "w-48"]`). */
export type ConsoleColumn = string | readonly [label: string, className: string];

/** The console's tables: a labelled table in a card, with muted headings; rows as children. */
export function ConsoleTable({
  label,
  columns,
  testId,
  children,
}: {
  label: string;
  columns: readonly ConsoleColumn[];
  testId?: string;
  children: ReactNode;
}) {
  return (
    <Card className="gap-0 overflow-hidden py-0">
      <Table aria-label={label} data-testid={testId}>
        <TableHeader className="bg-muted/50">
          <TableRow>
            {columns.map((column) => {
              const [heading, width] = typeof column === "string" ? [column, ""] : column;
              return (
                <TableHead key={heading} className={cn("text-muted-foreground px-3", width)}>
                  {heading}
                </TableHead>
              );
            })}
          </TableRow>
        </TableHeader>
        <TableBody>{children}</TableBody>
      </Table>
    </Card>
  );
}
