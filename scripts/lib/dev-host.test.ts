import { describe, expect, it, vi } from "vitest";
import { devHostnameArgs } from "./dev-host";

describe("npm run dev's listening address", () => {
  it("is localhost unless asked otherwise, silently", () => {
    const warn = vi.fn();
    expect(devHostnameArgs([], undefined, warn)).toEqual(["--hostname", "localhost"]);
    expect(devHostnameArgs([], "  ", warn)).toEqual(["--hostname", "localhost"]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("DEV_HOST opens it, with a warning about /dev/outbox", () => {
    const warn = vi.fn();
    expect(devHostnameArgs([], "0.0.0.0", warn)).toEqual(["--hostname", "0.0.0.0"]);
    expect(warn.mock.calls[0]?.[0]).toContain("/dev/outbox");
  });

  it("an explicit -H is left to next dev, and warned about when not loopback", () => {
    const warn = vi.fn();
    expect(devHostnameArgs(["-H", "127.0.0.1"], undefined, warn)).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
    expect(devHostnameArgs(["--hostname=192.168.1.5"], undefined, warn)).toEqual([]);
    expect(warn).toHaveBeenCalledOnce();
  });
});
