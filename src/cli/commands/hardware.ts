/**
 * @module
 * `modelscout hardware list`: the hardware profiles fit and latency are computed for.
 */
import { defineCommand } from "citty";
import { localMachineProfile } from "../../hardware/local-machine-profile.js";
import { listHardwareProfiles } from "../../hardware/resolve-hardware.js";
import { formatBytes, formatTable } from "../../text/format-table.js";
import { printJson } from "../cli-options.js";

const list = defineCommand({
  meta: { name: "list", description: "List hardware profiles and their aliases" },
  args: { json: { type: "boolean", description: "Print JSON" } },
  run({ args }) {
    // This machine comes last: its figures are read from `os` at run time.
    const profiles = [...listHardwareProfiles(), localMachineProfile()];
    if (args.json) {
      printJson({ hardware: profiles });
      return;
    }
    process.stdout.write(
      `${formatTable(profiles, [
        { header: "ID", value: (profile) => profile.id },
        { header: "NAME", value: (profile) => profile.name, maxWidth: 34 },
        { header: "KIND", value: (profile) => profile.kind },
        { header: "MEMORY", value: (profile) => formatBytes(profile.memoryBytes), align: "right" },
        { header: "TFLOPS", value: (profile) => profile.peakTflops.toFixed(1), align: "right" },
        {
          header: "GB/S",
          value: (profile) => (profile.memoryBandwidthBytesPerSecond / 1e9).toFixed(0),
          align: "right",
        },
        { header: "DTYPE", value: (profile) => profile.defaultDtype },
        { header: "ALIASES", value: (profile) => profile.aliases.join(", "), maxWidth: 40 },
      ])}\n`,
    );
  },
});

export default defineCommand({
  meta: { name: "hardware", description: "Hardware profiles for memory fit and latency estimates" },
  subCommands: { list },
});
