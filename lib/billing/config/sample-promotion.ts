// stripe:setup's sample promotion code (`--sample-coupon`): something to type into Checkout while
// trying the template. Test mode only: a real discount is a business decision made in the Dashboard.
import Stripe from "stripe";
import type { SetupStep } from "@/lib/billing/config/setup-plan";
import { StripeSetupRefusedError } from "@/lib/billing/config/setup-refusal";
import type { StripeMode } from "@/lib/stripe";

export const SAMPLE_PROMOTION = {
  couponId: "sample_launch_20",
  code: "LAUNCH20",
  name: "Launch offer",
  percentOff: 20,
  months: 3,
} as const;

export type PlannedSamplePromotion = { step: SetupStep; apply: () => Promise<void> };

/** What is missing of the sample coupon and its code in this mode (null: both exist). */
export async function planSamplePromotion(
  stripe: Stripe,
  mode: StripeMode,
): Promise<PlannedSamplePromotion | null> {
  if (mode === "live") {
    throw new StripeSetupRefusedError(
      "--sample-coupon is for test mode only: create live coupons and promotion codes in the Dashboard (nothing was changed).",
    );
  }
  const s = SAMPLE_PROMOTION;
  const [coupon, codes] = await Promise.all([
    stripe.coupons.retrieve(s.couponId).catch((error: unknown) => {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) {
        return null;
      }
      throw error;
    }),
    stripe.promotionCodes.list({ code: s.code, active: true, limit: 1 }),
  ]);
  const needsCoupon = coupon === null;
  const needsCode = codes.data.length === 0;
  if (!needsCoupon && !needsCode) return null;
  const what = [
    needsCoupon ? `coupon ${s.couponId} (${s.percentOff}% off for ${s.months} months)` : null,
    needsCode ? `promotion code ${s.code}` : null,
  ].filter(Boolean);
  return {
    step: { description: `create sample ${what.join(" and ")} (test mode only)` },
    apply: async () => {
      if (needsCoupon) {
        await stripe.coupons.create({
          id: s.couponId,
          name: s.name,
          percent_off: s.percentOff,
          duration: "repeating",
          duration_in_months: s.months,
        });
      }
      if (needsCode) {
        await stripe.promotionCodes.create({
          promotion: { type: "coupon", coupon: s.couponId },
          code: s.code,
        });
      }
    },
  };
}
