/** `npm run stripe:schemas`: regenerate stripe-schemas.json from the installed SDK's types. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateSchemas, renderSchemas } from "./generate";

const out = fileURLToPath(new URL("./stripe-schemas.json", import.meta.url));
const file = generateSchemas();
writeFileSync(out, renderSchemas(file));
console.log(
  `stripe-schemas.json: stripe@${file.sdk} (${file.api_version}), ${Object.keys(file.responses).length} responses, ${Object.keys(file.params).length} params, ${Object.keys(file.events).length} event types, ${Object.keys(file.defs).length} definitions`,
);
