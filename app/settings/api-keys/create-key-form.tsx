"use client";

import { useActionState } from "react";
import { CircleAlert, CircleCheck } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { createApiKeyAction, type CreateKeyState } from "./actions";

export function CreateKeyForm() {
  const [state, action, pending] = useActionState<CreateKeyState, FormData>(createApiKeyAction, {});
  return (
    <div className="space-y-3">
      <form action={action} className="flex flex-wrap items-end gap-2">
        <div className="grid gap-2">
          <Label htmlFor="api-key-name">Key name</Label>
          <Input
            id="api-key-name"
            name="name"
            required
            maxLength={60}
            placeholder="CI deploys"
            className="w-64"
          />
        </div>
        <Button type="submit" disabled={pending}>
          Create key
        </Button>
      </form>
      {state.error && (
        <Alert variant="destructive">
          <CircleAlert aria-hidden="true" />
          <AlertDescription>
            <p>{state.error}</p>
          </AlertDescription>
        </Alert>
      )}
      {state.secret && (
        <Alert variant="success" role="status">
          <CircleCheck aria-hidden="true" />
          <AlertTitle className="line-clamp-none">
            Copy this key now; it will not be shown again:
          </AlertTitle>
          <AlertDescription>
            <code data-testid="new-api-key" className="block font-mono break-all">
              {state.secret}
            </code>
          </AlertDescription>
        </Alert>
      )}
    </div>
  );
}
