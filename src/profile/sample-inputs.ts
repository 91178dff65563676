/**
 * @module
 * A small built-in sample of inputs per task, so `modelscout profile <model>` can measure a
 * model without the user bringing data. Short, realistic items of mixed length: latency per
 * item depends on input length, and the profile should not flatter or punish a model with
 * all-short or all-long inputs.
 */
import { crc32, deflateSync } from "node:zlib";
import type { BackendInput } from "../backends/model-backend.js";
import { ModelScoutError } from "../errors/modelscout-error.js";

const SENTENCES = [
  "The battery lasts two full days and the screen is bright.",
  "Terrible customer service, I waited an hour and nobody answered.",
  "It arrived on time.",
  "I would not recommend this hotel: the room was dirty and the staff were rude to us.",
  "Great value for the price, works exactly as described.",
  "What is the balance of my checking account?",
  "Set an alarm for seven tomorrow morning.",
  "The meeting has been moved to Thursday afternoon in the main conference room.",
] as const;

/** One second of a 440 Hz tone at 16 kHz: a valid waveform for speech models' feature extractors. */
function tone(samplingRateHz = 16_000): Float32Array {
  const samples = new Float32Array(samplingRateHz);
  for (let index = 0; index < samples.length; index++) {
    samples[index] = 0.1 * Math.sin((2 * Math.PI * 440 * index) / samplingRateHz);
  }
  return samples;
}

/** A colour gradient as PNG (a format every image decoder reads), built without dependencies. */
export function gradientPng(size: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, checksum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const rowStart = y * (1 + size * 3);
    for (let x = 0; x < size; x++) {
      const value = Math.round(((x + y) / (2 * size)) * 255);
      rows.set([value, 128, 255 - value], rowStart + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array()),
  ]);
}

export function sampleInputs(task: string | null): BackendInput[] {
  switch (task) {
    case "text-classification":
    case "token-classification":
    case "feature-extraction":
    case "sentence-similarity":
      return [...SENTENCES];
    case "zero-shot-classification":
      return SENTENCES.map((text) => ({
        text,
        candidateLabels: ["praise", "complaint", "question", "request"],
      }));
    case "text-generation":
      return ["Write one sentence about the sea.", "The capital of France is", "Once upon a time"];
    case "image-classification":
    case "image-to-text":
      return [{ image: gradientPng(32) }, { image: gradientPng(64) }];
    case "automatic-speech-recognition":
      return [{ audio: tone(), samplingRateHz: 16_000 }];
    default:
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `There is no built-in sample for the task "${task ?? "unknown"}", so this model cannot be profiled yet. Profile a model of a text, image or speech task.`,
        { details: { task } },
      );
  }
}
