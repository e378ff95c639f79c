/**
 * `/_emulator/*` endpoints: reset, clock, deliveries, redeliver, faults, api-faults, requests,
 * flush/idle. No auth.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiFaults } from "../api/faults";
import type { EmulatorCore } from "../engine/emulator-core";
import type { Faults } from "../webhooks/faults";
import { handleDelivery } from "./delivery";
import { dunningFrom } from "../resources/subscriptions/dunning";
import { parseForm, jsonToForm, type FormObject } from "../http/form";
import { readBody, sendJson } from "../http/respond";
import type { Mode } from "../engine/store";

async function readParams(req: IncomingMessage, url: URL): Promise<FormObject> {
  const out: FormObject = parseForm(url.search.slice(1));
  if (req.method !== "POST") return out;
  const raw = await readBody(req);
  if (!raw) return out;
  const isJson =
    String(req.headers["content-type"] ?? "").includes("json") || raw.trim().startsWith("{");
  const parsed = isJson ? jsonToForm(JSON.parse(raw)) : parseForm(raw);
  if (typeof parsed === "object" && !Array.isArray(parsed)) Object.assign(out, parsed);
  return out;
}

function s(p: FormObject, k: string): string | undefined {
  const v = p[k];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function num(p: FormObject, k: string): number | undefined {
  const v = s(p, k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${k} must be a number`);
  return n;
}

function flag(p: FormObject, k: string): boolean | undefined {
  const v = s(p, k);
  if (v === undefined) return undefined;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new Error(`${k} must be true or false`);
}

function apiFaultsFrom(p: FormObject): Partial<ApiFaults> {
  const f: Partial<ApiFaults> = {};
  const delay = num(p, "delayMs");
  if (delay !== undefined) f.delayMs = Math.max(0, delay);
  const stall = flag(p, "stall");
  if (stall !== undefined) f.stall = stall;
  const perSecond = num(p, "rateLimitPerSecond");
  if (perSecond !== undefined) f.rateLimitPerSecond = Math.max(0, perSecond);
  const next = num(p, "rateLimitNext");
  if (next !== undefined) f.rateLimitNext = Math.max(0, Math.floor(next));
  return f;
}

function modeOf(p: FormObject): Mode {
  return s(p, "mode") === "live" ? "live" : "test";
}

export async function handleControl(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname.replace(/^\/_emulator/, "");
  const method = req.method ?? "GET";
  let p: FormObject;
  try {
    p = await readParams(req, url);
  } catch (e) {
    return sendJson(res, 400, { error: e instanceof Error ? e.message : "bad body" });
  }
  try {
    if (method === "POST" && path === "/reset") {
      const mode = s(p, "mode");
      core.reset(mode === "test" || mode === "live" ? mode : undefined);
      return sendJson(res, 200, { ok: true });
    }
    if (method === "GET" && path === "/clock") {
      return sendJson(res, 200, { now: core.clock.now(), offset: core.clock.offset });
    }
    if (method === "POST" && path === "/clock/advance") {
      const seconds = num(p, "seconds");
      const to = num(p, "to");
      if (seconds === undefined && to === undefined) {
        return sendJson(res, 400, { error: "Provide `seconds` or `to` (unix seconds)." });
      }
      const target = to ?? core.clock.now() + (seconds ?? 0);
      const result = core.advanceTo(Math.floor(target));
      return sendJson(res, 200, result);
    }
    if (method === "GET" && path === "/deliveries") {
      const event = s(p, "event");
      const type = s(p, "type");
      const data = core.deliverer.attempts.filter(
        (a) => (!event || a.eventId === event) && (!type || a.type === type),
      );
      return sendJson(res, 200, { data, pending: core.deliverer.pendingCount() });
    }
    const redeliver = /^\/events\/([^/]+)\/redeliver$/.exec(path);
    if (method === "POST" && redeliver) {
      const count = core.redeliver(
        modeOf(p),
        decodeURIComponent(redeliver[1] ?? ""),
        s(p, "endpoint"),
      );
      if (count < 0) return sendJson(res, 404, { error: "No such event" });
      return sendJson(res, 200, { ok: true, targets: count });
    }
    if (path === "/dunning") {
      // Account settings for failed payments, per mode; reset returns to the start option.
      const mode = modeOf(p);
      const s = core.state.modes[mode];
      if (method === "POST") {
        const days = p.retryDays;
        s.dunning = dunningFrom(
          {
            retryDays: Array.isArray(days)
              ? days.map(Number)
              : days === ""
                ? []
                : days === undefined
                  ? undefined
                  : days,
            finalAction: p.finalAction,
          },
          s.dunning ?? core.opts.dunning[mode],
        );
        core.changed();
      }
      return sendJson(res, 200, s.dunning ?? core.opts.dunning[mode]);
    }
    if (path === "/delivery") return sendJson(res, 200, handleDelivery(core.deliverer, method, p));
    if (path === "/faults") {
      if (method === "POST") {
        const f: Partial<Faults> = {};
        const duplicate = num(p, "duplicate");
        if (duplicate !== undefined) f.duplicate = Math.max(0, Math.floor(duplicate));
        const shuffle = s(p, "shuffle");
        if (shuffle !== undefined) f.shuffle = shuffle === "true" || shuffle === "1";
        const seed = num(p, "seed");
        if (seed !== undefined) f.seed = seed;
        const drop = num(p, "dropFirstAttempts");
        if (drop !== undefined) f.dropFirstAttempts = Math.max(0, drop);
        const delay = num(p, "delayMs");
        if (delay !== undefined) f.delayMs = Math.max(0, delay);
        const hold = num(p, "holdMs");
        if (hold !== undefined) f.holdMs = Math.max(0, hold);
        if (s(p, "reset") === "true") core.deliverer.reset();
        return sendJson(res, 200, core.deliverer.setFaults(f));
      }
      return sendJson(res, 200, core.deliverer.getFaults());
    }
    if (path === "/api-faults") {
      if (method === "POST") {
        const f = apiFaultsFrom(p);
        if (flag(p, "reset")) core.apiFaults.clear();
        return sendJson(res, 200, core.apiFaults.set(f));
      }
      return sendJson(res, 200, core.apiFaults.get());
    }
    if (method === "GET" && path === "/requests") {
      return sendJson(res, 200, core.requests.get(core.apiFaults.heldCount()));
    }
    if (method === "POST" && path === "/requests/reset") {
      core.requests.reset();
      return sendJson(res, 200, core.requests.get(core.apiFaults.heldCount()));
    }
    if (method === "POST" && path === "/flush") {
      // Test clock advances in progress emit their events first.
      await withTimeout(core.settled(), num(p, "timeoutMs") ?? 60_000);
      await withTimeout(core.deliverer.flush(), num(p, "timeoutMs") ?? 60_000);
      return sendJson(res, 200, { idle: core.deliverer.isIdle() });
    }
    if (method === "GET" && path === "/idle") {
      const wait = s(p, "wait") !== "false";
      if (wait) await withTimeout(core.settled(), num(p, "timeoutMs") ?? 60_000);
      if (wait) await withTimeout(core.deliverer.idle(), num(p, "timeoutMs") ?? 60_000);
      return sendJson(res, 200, {
        idle: core.deliverer.isIdle(),
        pending: core.deliverer.pendingCount(),
      });
    }
    if (method === "GET" && path === "/state") {
      // Debug dump; webhook signing secrets are redacted.
      const dump = structuredClone(core.state.modes[modeOf(p)]);
      for (const e of Object.values(dump.webhookEndpoints)) if (e.secret) e.secret = "whsec_***";
      return sendJson(res, 200, dump);
    }
    return sendJson(res, 404, { error: `Unknown emulator control route ${method} ${path}` });
  } catch (e) {
    return sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
  }
}

async function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  if (timer) clearTimeout(timer);
}
