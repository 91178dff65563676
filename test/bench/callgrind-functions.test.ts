/**
 * `router-instructions.ts --functions` splits V8's garbage collector out of a count, by the
 * names callgrind gives its functions. The names below are ones it printed on 2026-12-01.
 */
import { describe, expect, it } from "vitest";
import { collectorInstructions } from "../../bench/callgrind-functions.js";

describe("collectorInstructions", () => {
  it("sums the collector's functions and nothing else", () => {
    const functions = [
      {
        name: "heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(v8::internal::F",
        instructions: 9533,
      },
      {
        name: "void v8::internal::BodyDescriptorBase::IteratePointers<v8::internal::IterateAndScavengePromotedObjectsVisitor>(v8::inter",
        instructions: 3959,
      },
      {
        name: "v8::internal::Heap::OnMoveEvent(v8::internal::HeapObject, v8::internal::HeapObject, int)",
        instructions: 2877,
      },
      { name: "v8::internal::Scavenger::Process(v8::JobDelegate*)", instructions: 2292 },
      { name: "Builtins_LoadIC", instructions: 10_000 },
      { name: "JS *route file:///work/main/dist/route/router.js:395:16", instructions: 1991 },
      {
        name: "v8::internal::Factory::AllocateRaw(int, v8::internal::AllocationType, v8::internal::AllocationAlignment)",
        instructions: 2253,
      },
      {
        name: "void v8::internal::String::WriteToFlat<unsigned char>(v8::internal::String, unsigned char*, int, int)",
        instructions: 5645,
      },
    ];
    expect(collectorInstructions(functions)).toBe(9533 + 3959 + 2877 + 2292);
    expect(collectorInstructions([])).toBe(0);
  });
});
