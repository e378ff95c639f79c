import type { ReactNode } from "react";
import {
  Body,
  Button,
  Container,
  Head,
  Hr,
  Html,
  Link,
  Preview,
  Section,
  Text,
} from "@react-email/components";
import type { EmailBrand } from "@/lib/email/templates/billing-content";

/**
 * The one layout of every email the app sends: the business name, a heading, the body, ONE
 * button, the button's URL written out (some clients block buttons), and a footer with the
 * support address (when set) and the app's URL.
 *
 * Email clients ignore stylesheets and classes, so every style is inline. Every text has an
 * explicit color on an element with an explicit background: a dark-mode client that inverts
 * colors inverts both, and one that keeps them keeps dark text on white (no text is left
 * white-on-transparent). Text is kept ASCII where the app writes it (the plain-text part then
 * goes out as 7bit, readable as is in any client).
 */
export type EmailAction = { label: string; href: string };

export type EmailLayoutProps = {
  brand: EmailBrand;
  /** The inbox's preview line (hidden in the body, skipped in the plain text). */
  preview: string;
  heading: string;
  /** The body: a few `<EmailParagraph>`s. */
  children: ReactNode;
  action: EmailAction;
  /** A line after the button (sign-in: "If you did not request this email…"). */
  note?: ReactNode;
};

const colors = {
  page: "#f4f4f5",
  card: "#ffffff",
  border: "#e4e4e7",
  text: "#18181b",
  body: "#27272a",
  muted: "#52525b",
  faint: "#71717a",
  link: "#1d4ed8",
  button: "#18181b",
  buttonText: "#ffffff",
} as const;

const font =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const styles = {
  body: { backgroundColor: colors.page, color: colors.text, fontFamily: font, margin: 0 },
  container: {
    backgroundColor: colors.card,
    border: `1px solid ${colors.border}`,
    borderRadius: "8px",
    margin: "32px auto",
    maxWidth: "560px",
    padding: "32px",
  },
  brand: {
    color: colors.text,
    fontSize: "16px",
    fontWeight: 700,
    lineHeight: "24px",
    margin: "0 0 24px",
  },
  heading: {
    color: colors.text,
    fontSize: "22px",
    fontWeight: 700,
    lineHeight: "30px",
    margin: "0 0 16px",
  },
  paragraph: { color: colors.body, fontSize: "16px", lineHeight: "24px", margin: "0 0 16px" },
  buttonSection: { margin: "24px 0" },
  button: {
    backgroundColor: colors.button,
    borderRadius: "6px",
    color: colors.buttonText,
    display: "inline-block",
    fontSize: "16px",
    fontWeight: 600,
    lineHeight: "24px",
    padding: "12px 20px",
    textDecoration: "none",
  },
  fallback: { color: colors.muted, fontSize: "14px", lineHeight: "20px", margin: "0 0 16px" },
  fallbackLink: { color: colors.link, textDecoration: "underline", wordBreak: "break-all" },
  note: { color: colors.muted, fontSize: "14px", lineHeight: "20px", margin: "0 0 16px" },
  hr: {
    borderColor: colors.border,
    borderStyle: "solid",
    borderWidth: "1px 0 0",
    margin: "24px 0",
  },
  footer: { color: colors.faint, fontSize: "13px", lineHeight: "20px", margin: "0 0 4px" },
  footerLink: { color: colors.faint, textDecoration: "underline" },
} as const;

/** One paragraph of an email's body. */
export function EmailParagraph({ children }: { children: ReactNode }) {
  return <Text style={styles.paragraph}>{children}</Text>;
}

/**
 * A value kept on one line (an amount, a date, a card): its spaces become no-break spaces, so
 * neither the HTML nor the plain text (wrapped at 72 columns) splits "$12.00 / month". The plain
 * text turns them back into spaces (lib/email/render.ts).
 */
export function keepTogether(value: string): string {
  return value.replaceAll(" ", NO_BREAK_SPACE);
}
export const NO_BREAK_SPACE = "\u00a0";

/** Emphasis inside a paragraph (an amount, a date), kept on one line. */
export function Strong({ children }: { children: string }) {
  return <strong style={{ color: colors.text, fontWeight: 700 }}>{keepTogether(children)}</strong>;
}

export function EmailLayout({ brand, preview, heading, children, action, note }: EmailLayoutProps) {
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="color-scheme" content="light" />
        <meta name="supported-color-schemes" content="light" />
      </Head>
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Text style={styles.brand}>{brand.businessName}</Text>
          <Text style={styles.heading}>{heading}</Text>
          {children}
          <Section style={styles.buttonSection}>
            <Button href={action.href} style={styles.button}>
              {action.label}
            </Button>
          </Section>
          {/* The plain-text part has the URL right after the button's label already. */}
          <Text style={styles.fallback} data-skip-in-text="true">
            If the button doesn&apos;t work, open:{" "}
            <Link href={action.href} style={styles.fallbackLink}>
              {action.href}
            </Link>
          </Text>
          {note && <Text style={styles.note}>{note}</Text>}
          <Hr style={styles.hr} />
          {brand.supportEmail && (
            <Text style={styles.footer}>
              Questions? Write to{" "}
              <Link href={`mailto:${brand.supportEmail}`} style={styles.footerLink}>
                {brand.supportEmail}
              </Link>
            </Text>
          )}
          <Text style={styles.footer}>
            {brand.businessName}:{" "}
            <Link href={brand.appUrl} style={styles.footerLink}>
              {brand.appUrl}
            </Link>
          </Text>
        </Container>
      </Body>
    </Html>
  );
}
