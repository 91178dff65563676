/**
 * @module
 * `modelscout mirror serve <dir>`: serves a folder of Hugging Face-layout model repos over
 * the Hub's protocol until interrupted, and prints the `HF_ENDPOINT` line that points
 * ModelScout (and transformers.js) at it.
 */
import { defineCommand } from "citty";
import { startMirrorServer } from "../../mirror/start-mirror-server.js";
import { integerOption } from "../cli-options.js";

const serve = defineCommand({
  meta: {
    name: "serve",
    description: "Serve <dir>/<owner>/<name>/ model folders over the Hub's protocol",
  },
  args: {
    directory: { type: "positional", required: true, description: "Folder of model repos" },
    port: { type: "string", description: "Port (default 8080; 0 picks a free one)" },
    host: { type: "string", description: "Address to listen on (default 127.0.0.1)" },
    quiet: { type: "boolean", description: "Do not print one line per request" },
  },
  async run({ args }) {
    const port = args.port === "0" ? 0 : (integerOption("port", args.port) ?? 8080);
    const server = await startMirrorServer({
      directory: args.directory,
      port,
      ...(args.host !== undefined && { host: args.host }),
      ...(!args.quiet && {
        onRequest: (entry) =>
          process.stderr.write(
            `${entry.method} ${entry.path} ${entry.status} ${entry.bytes}B ${entry.durationMs.toFixed(1)}ms\n`,
          ),
      }),
    });
    process.stdout.write(
      `Mirror serving ${args.directory} at ${server.url}\nexport HF_ENDPOINT=${server.url}\n`,
    );
    await new Promise<void>((stopped) => {
      const stop = () => {
        server.close().finally(stopped);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
});

export default defineCommand({
  meta: { name: "mirror", description: "A local Hugging Face Hub mirror for air-gapped sites" },
  subCommands: { serve },
});
