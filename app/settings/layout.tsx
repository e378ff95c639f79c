import Link from "next/link";
import type { ReactNode } from "react";
import { LogOut } from "lucide-react";
import { Button } from "@/components/ui/button";
import { requireUser } from "@/lib/auth/require-user";
import { signOutAction } from "./actions";

const NAV = [
  { href: "/settings", label: "Account" },
  { href: "/settings/billing", label: "Billing" },
  { href: "/settings/api-keys", label: "API keys" },
];

export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const user = await requireUser("/settings");
  return (
    <div className="grid gap-8 md:grid-cols-[200px_1fr]">
      <aside>
        <p className="text-muted-foreground truncate text-sm" data-testid="signed-in-as">
          {user.email}
        </p>
        <nav aria-label="Settings" className="mt-4 flex flex-col gap-1 text-sm">
          {NAV.map((item) => (
            <Button key={item.href} asChild variant="ghost" className="justify-start">
              <Link href={item.href}>{item.label}</Link>
            </Button>
          ))}
        </nav>
        <form action={signOutAction} className="mt-6">
          <Button type="submit" variant="ghost" className="text-muted-foreground justify-start">
            <LogOut aria-hidden="true" />
            Sign out
          </Button>
        </form>
      </aside>
      <div>{children}</div>
    </div>
  );
}
