"use client";

import { useActionState } from "react";
import { createApiKeyAction, type CreateKeyState } from "./actions";

export function CreateKeyForm() {
  const [state, action, pending] = useActionState<CreateKeyState, FormData>(createApiKeyAction, {});
  return (
    <div className="space-y-3">
      <form action={action} className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col text-sm">
          <span className="font-medium">Key name</span>
          <input
            name="name"
            required
            maxLength={60}
            placeholder="CI deploys"
            className="mt-1 rounded-md border border-slate-300 px-3 py-2"
          />
        </label>
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60"
        >
          Create key
        </button>
      </form>
      {state.error && (
        <p role="alert" className="text-sm text-red-700">
          {state.error}
        </p>
      )}
      {state.secret && (
        <div role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900">
          <p>Copy this key now; it will not be shown again:</p>
          <code data-testid="new-api-key" className="mt-1 block break-all font-mono">
            {state.secret}
          </code>
        </div>
      )}
    </div>
  );
}
