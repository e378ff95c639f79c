import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { ReceiptText } from "lucide-react";
import { Button } from "@/components/ui/button";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Billing Done Right", template: "%s · Billing Done Right" },
  description: "A Next.js SaaS template whose billing never drifts.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col">
        <header className="bg-background border-b">
          <div className="mx-auto flex w-full max-w-5xl items-center justify-between gap-4 px-6 py-3">
            <Link
              href="/"
              className="focus-visible:ring-ring/50 flex items-center gap-2 rounded-md font-semibold tracking-tight outline-none focus-visible:ring-[3px]"
            >
              <ReceiptText className="size-5" aria-hidden="true" />
              Billing Done Right
            </Link>
            <nav className="flex items-center gap-1 text-sm">
              <Button asChild variant="ghost" size="sm">
                <Link href="/pricing">Pricing</Link>
              </Button>
              <Button asChild variant="ghost" size="sm">
                <Link href="/settings">Account</Link>
              </Button>
            </nav>
          </div>
        </header>
        <main className="mx-auto w-full max-w-5xl flex-1 px-6 py-10">{children}</main>
        <footer className="text-muted-foreground border-t text-sm">
          <div className="mx-auto flex w-full max-w-5xl flex-wrap items-center justify-between gap-4 px-6 py-6">
            <p>Billing Done Right</p>
            <nav aria-label="Legal" className="flex gap-4">
              <Link
                href="/privacy"
                className="hover:text-foreground underline-offset-4 hover:underline"
              >
                Privacy
              </Link>
              <Link
                href="/terms"
                className="hover:text-foreground underline-offset-4 hover:underline"
              >
                Terms
              </Link>
            </nav>
          </div>
        </footer>
      </body>
    </html>
  );
}
