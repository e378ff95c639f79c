/** `/v1/coupons` and `/v1/promotion_codes`. */
import * as coupons from "../../resources/coupons";
import * as codes from "../../resources/promotion-codes";
import { at, route, type Route } from "../router";

export const discountRoutes: Route[] = [
  route("POST", "/coupons", { params: "CouponCreateParams", returns: "Coupon" }, (c, p) =>
    coupons.createCoupon(c, p),
  ),
  route("GET", "/coupons", { params: "CouponListParams", returns: "ApiList<Coupon>" }, (c, p) =>
    coupons.listCoupons(c, p),
  ),
  route("GET", "/coupons/:id", { params: "CouponRetrieveParams", returns: "Coupon" }, (c, _p, m) =>
    coupons.retrieveCoupon(c, at(m, 1)),
  ),
  route("POST", "/coupons/:id", { params: "CouponUpdateParams", returns: "Coupon" }, (c, p, m) =>
    coupons.updateCoupon(c, at(m, 1), p),
  ),
  route(
    "DELETE",
    "/coupons/:id",
    { params: "CouponDeleteParams", returns: "DeletedCoupon" },
    (c, _p, m) => coupons.deleteCoupon(c, at(m, 1)),
  ),
  route(
    "POST",
    "/promotion_codes",
    { params: "PromotionCodeCreateParams", returns: "PromotionCode" },
    (c, p) => codes.createPromotionCode(c, p),
  ),
  route(
    "GET",
    "/promotion_codes",
    { params: "PromotionCodeListParams", returns: "ApiList<PromotionCode>" },
    (c, p) => codes.listPromotionCodes(c, p),
  ),
  route(
    "GET",
    "/promotion_codes/:id",
    { params: "PromotionCodeRetrieveParams", returns: "PromotionCode" },
    (c, _p, m) => codes.getPromotionCode(c, at(m, 1)),
  ),
  route(
    "POST",
    "/promotion_codes/:id",
    { params: "PromotionCodeUpdateParams", returns: "PromotionCode" },
    (c, p, m) => codes.updatePromotionCode(c, at(m, 1), p),
  ),
];
