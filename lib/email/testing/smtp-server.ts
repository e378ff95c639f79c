import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** A message the test SMTP server accepted. */
export type ReceivedEmail = { from: string | false; to: string[]; body: string };

/**
 * A real SMTP server on loopback for tests (smtp-server, by Nodemailer's author): it accepts
 * every message into `received`, or refuses each with `refuseWith` (e.g. 451, try again later).
 */
export async function startTestSmtpServer() {
  const received: ReceivedEmail[] = [];
  const state: {
    refuseWith: { code: number; message: string } | null;
    refusedRecipients: Set<string>;
  } = { refuseWith: null, refusedRecipients: new Set() };
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onRcptTo(address, _session, callback) {
      if (state.refusedRecipients.has(address.address)) {
        callback(Object.assign(new Error("Mailbox full"), { responseCode: 452 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      let body = "";
      stream.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      stream.on("end", () => {
        if (state.refuseWith) {
          const { code, message } = state.refuseWith;
          callback(Object.assign(new Error(message), { responseCode: code }));
          return;
        }
        received.push({
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          body,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const { port } = smtp.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** Refuse every message from now on with this reply, or accept again with null. */
    refuse(reply: { code: number; message: string } | null) {
      state.refuseWith = reply;
    },
    /** Refuse mail to these addresses (452, try again later), accept every other. */
    refuseRecipients(addresses: string[]) {
      state.refusedRecipients = new Set(addresses);
    },
    stop: () => new Promise<void>((resolve) => smtp.close(resolve)),
  };
}
