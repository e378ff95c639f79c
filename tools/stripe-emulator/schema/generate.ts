/**
 * Generates `stripe-schemas.json` from the installed `stripe` package's TypeScript declarations with
 * the TypeScript compiler API, so the emulator is checked against the SDK the app is built with.
 * `npm run stripe:schemas` rewrites the file; schema.test.ts fails when it is stale (an SDK upgrade).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import Stripe from "stripe";
import ts from "typescript";
import { RESPONSE_ROOTS, PARAMS_ROOTS, EVENT_OBJECT_EXTRAS } from "./roots";
import type { ObjectSchema, Schema, SchemaFile } from "./types";

const require = createRequire(import.meta.url);
/** The installed package's root (its `exports` hide package.json from require.resolve). */
function packageRoot(entry: string): string {
  let dir = path.dirname(entry);
  const isRoot = (d: string): boolean =>
    existsSync(path.join(d, "package.json")) &&
    (JSON.parse(readFileSync(path.join(d, "package.json"), "utf8")) as { name?: string }).name ===
      "stripe";
  while (!isRoot(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const stripeDir = packageRoot(require.resolve("stripe"));

/** Floats among the SDK's `number`s (Stripe documents these as decimals); all others are integers. */
const FLOAT_NAME = /percent/;

const VIRTUAL = path.join(process.cwd(), "__stripe_schema_roots__.ts");

function virtualSource(): string {
  const lines = ['import type Stripe from "stripe";', "type __Event = Stripe.Event;"];
  const all = [...RESPONSE_ROOTS, ...PARAMS_ROOTS, ...EVENT_OBJECT_EXTRAS];
  all.forEach((name, i) => lines.push(`type __R${i} = Stripe.${name};`));
  lines.push(`export type { __Event, ${all.map((_, i) => `__R${i}`).join(", ")} };`);
  return lines.join("\n");
}

class Converter {
  readonly defs = new Map<string, Schema>();
  private readonly named = new Map<ts.Type, string>();
  private readonly taken = new Set<string>();

  constructor(private readonly checker: ts.TypeChecker) {}

  private isOtherString(t: ts.Type): boolean {
    if (!(t.flags & ts.TypeFlags.Intersection)) return false;
    const parts = (t as ts.IntersectionType).types;
    return (
      parts.some((p) => p.flags & ts.TypeFlags.String) &&
      parts.every(
        (p) => p.flags & ts.TypeFlags.String || this.checker.getPropertiesOfType(p).length === 0,
      )
    );
  }

  /** A stable readable name for named SDK types: `Checkout.Session.UiMode`, `ApiList<Customer>`. */
  private defName(t: ts.Type): string | null {
    const alias = t.aliasSymbol;
    let sym: ts.Symbol | undefined;
    const ours = alias?.declarations?.some(
      (d) => path.resolve(d.getSourceFile().fileName) === VIRTUAL,
    );
    if (alias && !ours && !t.aliasTypeArguments) sym = alias;
    else if ((!alias || ours) && t.symbol && t.symbol.flags & ts.SymbolFlags.Interface)
      sym = t.symbol;
    if (!sym) return null;
    const fq = this.checker.getFullyQualifiedName(sym);
    const m = /^"(.+)"\.(.+)$/.exec(fq);
    let name = m?.[2] ?? fq;
    const file = m?.[1] ?? "";
    // Declarations under resources/<Namespace>/ (Checkout, BillingPortal, TestHelpers) get its prefix.
    const rel = file.split(`${path.sep}resources${path.sep}`)[1] ?? "";
    const dir = path.dirname(rel);
    if (dir && dir !== "." && !name.startsWith(`${dir.split(path.sep).join(".")}.`))
      name = `${dir.split(path.sep).join(".")}.${name}`;
    const args = (t as ts.TypeReference).typeArguments;
    if ((!alias || ours) && args?.length) {
      name += `<${args.map((a) => this.defName(a) ?? this.checker.typeToString(a)).join(", ")}>`;
    }
    return name;
  }

  convert(t: ts.Type, propName = ""): Schema {
    const f = t.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return "any";
    if (t.aliasSymbol?.name === "Decimal") return "decimal";
    if (f & ts.TypeFlags.String) return "string";
    if (f & ts.TypeFlags.Number) return FLOAT_NAME.test(propName) ? "number" : "integer";
    if (f & ts.TypeFlags.Boolean) return "boolean";
    if (f & ts.TypeFlags.Null) return "null";
    if (f & ts.TypeFlags.StringLiteral) return { enum: [(t as ts.StringLiteralType).value] };
    if (f & ts.TypeFlags.NumberLiteral) return { enum: [(t as ts.NumberLiteralType).value] };
    if (f & ts.TypeFlags.BooleanLiteral) return { enum: [this.checker.typeToString(t) === "true"] };
    if (this.isOtherString(t)) return "string";
    if (t.aliasSymbol?.name === "Partial" && t.aliasTypeArguments?.[0])
      return { partial: this.convert(t.aliasTypeArguments[0], propName) };
    // `void` (e.g. `deleted?: void` on a live Customer): the property must be absent.
    if (f & ts.TypeFlags.Void) return { enum: [] };
    if (this.checker.isArrayType(t)) return this.structure(t, propName);
    const name = f & (ts.TypeFlags.Union | ts.TypeFlags.Object) ? this.defName(t) : null;
    if (name) return { ref: this.define(t, name, propName) };
    return this.structure(t, propName);
  }

  private define(t: ts.Type, wanted: string, propName: string): string {
    const known = this.named.get(t);
    if (known) return known;
    // The same instantiation (`ApiList<Subscription>`) can surface as distinct type objects.
    if (wanted.includes("<") && this.taken.has(wanted)) return wanted;
    let name = wanted;
    for (let i = 2; this.taken.has(name); i++) name = `${wanted}#${i}`;
    this.taken.add(name);
    this.named.set(t, name);
    this.defs.set(name, "any"); // placeholder: recursion resolves to the ref
    this.defs.set(name, this.structure(t, propName));
    return name;
  }

  private structure(t: ts.Type, propName: string): Schema {
    if (t.flags & ts.TypeFlags.Union) return this.union((t as ts.UnionType).types, propName);
    if (this.checker.isArrayType(t)) {
      const item = this.checker.getTypeArguments(t as ts.TypeReference)[0];
      return { array: item ? this.convert(item, propName) : "any" };
    }
    if (t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) return this.object(t);
    return "any";
  }

  private union(members: readonly ts.Type[], propName: string): Schema {
    const literals: (string | number | boolean)[] = [];
    const rest: Schema[] = [];
    const kept = members.filter(
      (m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) && !this.isOtherString(m),
    );
    const bools = kept.filter((m) => m.flags & ts.TypeFlags.BooleanLiteral);
    for (const m of kept) {
      if (bools.length === 2 && m.flags & ts.TypeFlags.BooleanLiteral) continue;
      const s = this.convert(m, propName);
      if (typeof s === "object" && "enum" in s) literals.push(...s.enum);
      else rest.push(s);
    }
    if (bools.length === 2) rest.unshift("boolean");
    const sorted = [...new Set(literals)].sort((a, b) => String(a).localeCompare(String(b)));
    const all: Schema[] = sorted.length ? [{ enum: sorted }, ...rest] : rest;
    if (all.length === 0) return "any";
    return all.length === 1 && all[0] !== undefined ? all[0] : { anyOf: all };
  }

  private object(t: ts.Type): ObjectSchema {
    const props: Record<string, Schema> = {};
    const optional: string[] = [];
    for (const p of this.checker.getPropertiesOfType(t)) {
      const pt = this.checker.getTypeOfSymbol(p);
      if (pt.getCallSignatures().length > 0) continue; // methods are not data
      props[p.name] = this.convert(pt, p.name);
      if (p.flags & ts.SymbolFlags.Optional) optional.push(p.name);
    }
    const out: ObjectSchema = { props };
    if (optional.length) out.optional = optional;
    const index = this.checker
      .getIndexInfosOfType(t)
      .find((i) => i.keyType.flags & ts.TypeFlags.String);
    if (index) out.values = this.convert(index.type);
    return out;
  }
}

function program(): ts.Program {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const source = virtualSource();
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) =>
    path.resolve(file) === VIRTUAL
      ? ts.createSourceFile(file, source, lang)
      : getSourceFile(file, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === VIRTUAL || fileExists(file);
  return ts.createProgram([VIRTUAL], options, host);
}

export function generateSchemas(): SchemaFile {
  const prog = program();
  const checker = prog.getTypeChecker();
  const sf = prog.getSourceFile(VIRTUAL);
  if (!sf) throw new Error("virtual roots file missing");
  const aliases = new Map<string, ts.Type>();
  ts.forEachChild(sf, (node) => {
    if (ts.isTypeAliasDeclaration(node)) {
      aliases.set(node.name.text, checker.getTypeFromTypeNode(node.type));
    }
  });
  const conv = new Converter(checker);
  const all: readonly string[] = [...RESPONSE_ROOTS, ...PARAMS_ROOTS, ...EVENT_OBJECT_EXTRAS];
  const typeOf = (name: string): ts.Type => {
    const t = aliases.get(`__R${all.indexOf(name)}`);
    if (!t || t.flags & ts.TypeFlags.Any) throw new Error(`Stripe.${name} not found in the SDK`);
    return t;
  };
  const responses: Record<string, Schema> = {};
  for (const n of RESPONSE_ROOTS) responses[n.replace(/Stripe\./g, "")] = conv.convert(typeOf(n));
  const params: Record<string, Schema> = {};
  for (const n of PARAMS_ROOTS) params[n] = conv.convert(typeOf(n));

  // Events whose `data.object` is a served object (or a listed extra), keyed by event type.
  const objectTypes = new Set([...RESPONSE_ROOTS, ...EVENT_OBJECT_EXTRAS].map(typeOf));
  const events: Record<string, Schema> = {};
  const eventUnion = aliases.get("__Event");
  for (const member of eventUnion && eventUnion.isUnion() ? eventUnion.types : []) {
    const typeProp = member.getProperty("type");
    const dataProp = member.getProperty("data");
    if (!typeProp || !dataProp) continue;
    const literal = checker.getTypeOfSymbol(typeProp);
    const obj = checker.getTypeOfSymbol(dataProp).getProperty("object");
    if (!literal.isStringLiteral() || !obj) continue;
    if (!objectTypes.has(checker.getTypeOfSymbol(obj))) continue;
    events[literal.value] = conv.convert(member);
  }
  const defs: Record<string, Schema> = {};
  for (const k of [...conv.defs.keys()].sort()) defs[k] = conv.defs.get(k) ?? "any";
  const pkg = JSON.parse(readFileSync(path.join(stripeDir, "package.json"), "utf8")) as {
    version: string;
  };
  return { sdk: pkg.version, api_version: Stripe.API_VERSION, responses, params, events, defs };
}

/** One definition per line: reviewable diffs after an SDK upgrade without a multi-MB pretty print. */
export function renderSchemas(file: SchemaFile): string {
  const section = (rec: Record<string, Schema>): string =>
    `{\n${Object.entries(rec)
      .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(",\n")}\n  }`;
  return `{\n  "sdk": ${JSON.stringify(file.sdk)},\n  "api_version": ${JSON.stringify(file.api_version)},\n  "responses": ${section(file.responses)},\n  "params": ${section(file.params)},\n  "events": ${section(file.events)},\n  "defs": ${section(file.defs)}\n}\n`;
}
