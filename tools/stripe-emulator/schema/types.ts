/**
 * The compact schema format generated from the `stripe` package's type declarations
 * (`npm run stripe:schemas` writes `stripe-schemas.json`; see generate.ts).
 */

/** Scalars. `integer` is a TS `number` not named like a percentage; `decimal` is `Stripe.Decimal`. */
export type Primitive = "string" | "integer" | "number" | "decimal" | "boolean" | "null" | "any";

export type Schema =
  | Primitive
  /** A closed literal set: the SDK's `'a' | 'b' | OtherString` counts as exactly `a`, `b`. */
  | { enum: (string | number | boolean)[] }
  | { ref: string }
  | { array: Schema }
  | { anyOf: Schema[] }
  /** `Partial<X>` (an event's `previous_attributes`): X's properties, all optional. */
  | { partial: Schema }
  | ObjectSchema;

export interface ObjectSchema {
  props: Record<string, Schema>;
  /** Names of the `?:` properties; all others are required (in responses). */
  optional?: string[];
  /** An index signature (`Metadata`, `Record<string, …>`): any key, values of this schema. */
  values?: Schema;
}

export interface SchemaFile {
  sdk: string;
  api_version: string;
  /** Response objects by SDK name (`Customer`, `Checkout.Session`, `ApiList<Customer>`). */
  responses: Record<string, Schema>;
  /** Request params by SDK name (`CustomerCreateParams`, `Checkout.SessionCreateParams`). */
  params: Record<string, Schema>;
  /** Event payloads by event type, for events whose `data.object` is a served object. */
  events: Record<string, Schema>;
  /** Named definitions that `{ref}` points at. */
  defs: Record<string, Schema>;
}

export const isObjectSchema = (s: Schema): s is ObjectSchema =>
  typeof s === "object" && "props" in s;
