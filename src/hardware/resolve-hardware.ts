/**
 * @module
 * Hardware names as users type them (`NVIDIA_A100`, `RTX 4090`, `pi5`, `laptop`) resolved to
 * profiles. Matching ignores case, treats `_`, spaces and `-` alike and drops an `nvidia`
 * prefix; unknown names fail with a suggestion and a pointer to `modelscout hardware list`.
 */
import { ModelScoutError } from "../errors/modelscout-error.js";
import { closestMatch } from "../text/closest-match.js";
import {
  HARDWARE_PROFILES,
  type HardwareId,
  type HardwareProfile,
  type HardwareProfileSpec,
} from "./hardware-profiles.js";
import { LOCAL_HARDWARE_ID, localMachineProfile } from "./local-machine-profile.js";

export type { HardwareId, HardwareProfile } from "./hardware-profiles.js";

/** Lower case, separators folded to single hyphens, vendor prefix dropped. */
export function normaliseHardwareName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "-")
    .replace(/^nvidia-?/, "")
    .replace(/^-+|-+$/g, "");
}

const PROFILES: readonly HardwareProfile[] = Object.entries(
  HARDWARE_PROFILES as Record<HardwareId, HardwareProfileSpec>,
).map(([id, spec]) => ({ id: id as HardwareId, ...spec }));

const PROFILE_BY_ID = new Map(PROFILES.map((profile) => [profile.id, profile]));

/** Normalised id or alias to id. Built once; a clash between two profiles is a bug. */
const ID_BY_NAME: ReadonlyMap<string, HardwareProfile["id"]> = (() => {
  const names = new Map<string, HardwareProfile["id"]>();
  for (const profile of PROFILES) {
    for (const name of [profile.id, ...profile.aliases]) {
      const key = normaliseHardwareName(name);
      const taken = names.get(key);
      if (taken !== undefined && taken !== profile.id) {
        throw new Error(`Hardware alias "${name}" names both ${taken} and ${profile.id}.`);
      }
      names.set(key, profile.id);
    }
  }
  return names;
})();

/** Every profile, in registry order (CPUs, edge, datacenter GPUs, desktop GPUs, Apple). */
export function listHardwareProfiles(): HardwareProfile[] {
  return [...PROFILES];
}

/** The profile a user-typed name means, or throws `UNKNOWN_HARDWARE` with a suggestion. */
export function resolveHardware(name: string): HardwareProfile {
  const key = normaliseHardwareName(name);
  if (key === LOCAL_HARDWARE_ID || key === "this-machine") return localMachineProfile();
  const id = ID_BY_NAME.get(key);
  const profile = id === undefined ? undefined : PROFILE_BY_ID.get(id);
  if (profile !== undefined) return profile;
  const suggestion = closestMatch(key, ID_BY_NAME.keys());
  const suggestedId = suggestion === undefined ? undefined : ID_BY_NAME.get(suggestion);
  const hint =
    suggestedId === undefined
      ? ""
      : ` Did you mean "${suggestion}"${suggestion === suggestedId ? "" : ` (${suggestedId})`}?`;
  throw new ModelScoutError(
    "UNKNOWN_HARDWARE",
    `Unknown hardware "${name}".${hint} Run \`modelscout hardware list\` to see the ${PROFILES.length} profiles and their aliases, for example cpu-laptop, rpi5, t4, a100-80gb, rtx-4090, apple-m2.`,
    { details: { hardware: name, suggestion: suggestedId } },
  );
}
