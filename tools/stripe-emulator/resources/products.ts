/** Products: create, retrieve, update, list, and the product name a price shows. */
import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { diff } from "../engine/request-context";
import { badRequest, noSuch } from "../http/errors";
import { paginate } from "../http/list";
import { allowOnly, applyMetadata, bool, reqStr, str, strArr, type Params } from "../http/params";
import { newId, newestFirst } from "../engine/store";
import { idOf } from "../http/expand";

export function productFactory(
  ctx: Ctx,
  f: { name: string; description?: string | null; metadata?: Record<string, string> },
): Stripe.Product {
  return {
    id: newId("prod"),
    object: "product",
    active: true,
    created: ctx.now,
    default_price: null,
    description: f.description ?? null,
    images: [],
    livemode: ctx.mode === "live",
    marketing_features: [],
    metadata: f.metadata ?? {},
    name: f.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: null,
    updated: ctx.now,
    url: null,
  };
}

export function getProduct(ctx: Ctx, id: string, param = "id"): Stripe.Product {
  const p = ctx.s.products[id];
  if (!p) throw noSuch("product", id, param);
  return p;
}

export function createProduct(ctx: Ctx, p: Params): Stripe.Product {
  allowOnly(p, ["name", "description", "metadata", "active", "id", "default_price_data"]);
  const product = productFactory(ctx, {
    name: reqStr(p, "name"),
    description: str(p, "description") ?? null,
    metadata: applyMetadata({}, p),
  });
  const id = str(p, "id");
  if (id) {
    if (ctx.s.products[id])
      throw badRequest(`Product already exists.`, "id", "resource_already_exists");
    product.id = id;
  }
  product.active = bool(p, "active") ?? true;
  ctx.s.products[product.id] = product;
  ctx.emit("product.created", structuredClone(product));
  return product;
}

export function updateProduct(ctx: Ctx, id: string, p: Params): Stripe.Product {
  allowOnly(p, ["name", "description", "metadata", "active", "default_price"]);
  const product = getProduct(ctx, id);
  const before = structuredClone(product);
  const name = str(p, "name");
  if (name) product.name = name;
  const description = str(p, "description");
  if (description !== undefined) product.description = description || null;
  const active = bool(p, "active");
  if (active !== undefined) product.active = active;
  const defaultPrice = str(p, "default_price");
  if (defaultPrice !== undefined) product.default_price = defaultPrice || null;
  product.metadata = applyMetadata(product.metadata, p);
  const changes = diff(before, product);
  if (Object.keys(changes).length) {
    product.updated = ctx.now;
    ctx.emit("product.updated", structuredClone(product), changes);
  }
  return product;
}

export function listProducts(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.Product> {
  const active = bool(p, "active");
  const ids = strArr(p, "ids");
  const all = newestFirst(ctx.s.products).filter(
    (x) => (active === undefined || x.active === active) && (!ids || ids.includes(x.id)),
  );
  return paginate(all, p, "/v1/products");
}

/** The name of a price's product, as the portal and invoice lines print it (its id if unknown). */
export function productName(ctx: Ctx, price: Stripe.Price): string {
  const id = idOf(price.product);
  return ctx.s.products[id]?.name ?? id;
}

/**
 * Deletes a product, which Stripe allows only while no price names it (prices cannot be deleted,
 * only archived): `product.deleted`, then a 404 like any unknown product.
 */
export function deleteProduct(ctx: Ctx, id: string): Stripe.DeletedProduct {
  const product = getProduct(ctx, id);
  if (Object.values(ctx.s.prices).some((x) => idOf(x.product) === id))
    throw badRequest(
      "This product cannot be deleted because it has one or more user-created prices.",
      "id",
    );
  delete ctx.s.products[id];
  ctx.emit("product.deleted", structuredClone(product));
  return { id, object: "product", deleted: true };
}
