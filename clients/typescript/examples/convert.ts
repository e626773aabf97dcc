// Converts a file and prints each page's Markdown as the server streams it.
//   node dist/examples/convert.js FILE [host:port]
// The address defaults to $ILIOS_TARGET, else localhost:50051;
// $ILIOS_API_KEY, when set, is sent as a bearer token.
import { IliosClient } from "../src/index.js";

const [file, target = process.env.ILIOS_TARGET ?? "localhost:50051"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node dist/examples/convert.js FILE [host:port]");
  process.exit(2);
}
const client = new IliosClient({ target, apiKey: process.env.ILIOS_API_KEY });
try {
  for await (const page of client.convert(file)) {
    process.stdout.write(`<!-- page ${page.number} -->\n${page.markdown}\n\n`);
  }
} catch (err) {
  console.error(`convert: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
