"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { ApiKeyLimitError, createApiKey, revokeApiKey } from "@/lib/api-keys";
import { requireUser } from "@/lib/auth/require-user";
import { EntitlementError } from "@/lib/billing/access/entitlements";

const PAGE = "/settings/api-keys";
const nameSchema = z
  .string()
  .trim()
  .min(1, "Give the key a name.")
  .max(60, "Keep the name under 60 characters.");

export type CreateKeyState = { secret?: string; error?: string };

/** Creates a key; the secret is returned to the page once (useActionState), never stored in clear. */
export async function createApiKeyAction(
  _previous: CreateKeyState,
  formData: FormData,
): Promise<CreateKeyState> {
  const user = await requireUser(PAGE);
  const name = nameSchema.safeParse(formData.get("name"));
  if (!name.success) return { error: name.error.issues[0]?.message ?? "Invalid name." };
  try {
    const { secret } = await createApiKey(user.id, name.data);
    // The list on the page shows the new key without a reload.
    revalidatePath(PAGE);
    return { secret };
  } catch (error) {
    if (error instanceof EntitlementError) {
      return { error: `API keys need a paid plan; you are on ${error.entitlements.plan.name}.` };
    }
    if (error instanceof ApiKeyLimitError) return { error: error.message };
    throw error;
  }
}

export async function revokeApiKeyAction(formData: FormData): Promise<void> {
  const user = await requireUser(PAGE);
  const id = z.string().min(1).max(100).safeParse(formData.get("id"));
  if (id.success) await revokeApiKey(user.id, id.data);
  revalidatePath(PAGE);
  redirect(PAGE);
}
