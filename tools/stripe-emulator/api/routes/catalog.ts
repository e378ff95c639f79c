/** `/v1/products` and `/v1/prices`. */
import * as prices from "../../resources/prices";
import * as products from "../../resources/products";
import { at, route, type Route } from "../router";

export const catalogRoutes: Route[] = [
  route("POST", "/products", { params: "ProductCreateParams", returns: "Product" }, (c, p) =>
    products.createProduct(c, p),
  ),
  route("GET", "/products", { params: "ProductListParams", returns: "ApiList<Product>" }, (c, p) =>
    products.listProducts(c, p),
  ),
  route(
    "GET",
    "/products/:id",
    { params: "ProductRetrieveParams", returns: "Product" },
    (c, _p, m) => products.getProduct(c, at(m, 1)),
  ),
  route("POST", "/products/:id", { params: "ProductUpdateParams", returns: "Product" }, (c, p, m) =>
    products.updateProduct(c, at(m, 1), p),
  ),
  route(
    "DELETE",
    "/products/:id",
    { params: "ProductDeleteParams", returns: "DeletedProduct" },
    (c, _p, m) => products.deleteProduct(c, at(m, 1)),
  ),
  route("POST", "/prices", { params: "PriceCreateParams", returns: "Price" }, (c, p) =>
    prices.createPrice(c, p),
  ),
  route("GET", "/prices", { params: "PriceListParams", returns: "ApiList<Price>" }, (c, p) =>
    prices.listPrices(c, p),
  ),
  route("GET", "/prices/:id", { params: "PriceRetrieveParams", returns: "Price" }, (c, _p, m) =>
    prices.getPrice(c, at(m, 1)),
  ),
  route("POST", "/prices/:id", { params: "PriceUpdateParams", returns: "Price" }, (c, p, m) =>
    prices.updatePrice(c, at(m, 1), p),
  ),
];
