// PLACEHOLDER (coming soon): portal sessions for links in emails (GET) and API clients (POST)
// arrive with the customer-facing billing issue.
export function GET() {
  return Response.json(
    { error: "The billing portal route is not available yet." },
    { status: 501 },
  );
}

export const POST = GET;
