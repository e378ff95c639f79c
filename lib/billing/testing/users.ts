import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";

/** A fresh user per test: test files share one database and run in parallel. */
export async function createTestUser(label = "user") {
  const tag = randomUUID().slice(0, 8);
  return db.user.create({
    data: { email: `${label}-${tag}@example.test`, name: `Test ${label} ${tag}` },
  });
}
