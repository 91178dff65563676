/**
 * `bench/wire-split.ts` reads `tcpdump -r -tt -n` text and times each answer that was alone on
 * the wire. Lines in the shape tcpdump printed for the router benchmark on 2026-12-01 (proxy on
 * port 38305, echo server on 37671).
 */
import { describe, expect, it } from "vitest";
import { type Packet, parsePackets, splitAnswers } from "../../bench/wire-split.js";

const PROXY = 38305;
const UPSTREAM = 37671;

const line = (time: string, from: number, to: number, length: number) =>
  `${time} IP 127.0.0.1.${from} > 127.0.0.1.${to}: Flags [P.], seq 1:${length + 1}, ack 1, win 512, options [nop,nop,TS val 1544686516 ecr 2306917392], length ${length}`;

describe("parsePackets", () => {
  it("keeps the packets with data, in microseconds, and skips bare acks and other lines", () => {
    const text = [
      "reading from file /tmp/r.pcap, link-type EN10MB (Ethernet), snapshot length 262144",
      line("1796110822.941475", 47372, PROXY, 236),
      line("1796110822.941480", PROXY, 47372, 0),
      line("1796110822.942052", 36668, UPSTREAM, 277),
      `${line("1796110822.942100", 47374, 8080, 212)}: HTTP: POST /v1/chat/completions HTTP/1.1`,
      "",
    ].join("\n");
    expect(parsePackets(text)).toEqual([
      { us: 1796110822941475, src: 47372, dst: PROXY },
      { us: 1796110822942052, src: 36668, dst: UPSTREAM },
      { us: 1796110822942100, src: 47374, dst: 8080 },
    ]);
  });
});

/** The four packets of one proxied answer from `start`, with the given gaps (us) between them. */
function exchange(client: number, start: number, inUs: number, modelUs: number, outUs: number) {
  return [
    { us: start, src: client, dst: PROXY },
    { us: start + inUs, src: 36668, dst: UPSTREAM },
    { us: start + inUs + modelUs, src: UPSTREAM, dst: 36668 },
    { us: start + inUs + modelUs + outUs, src: PROXY, dst: client },
  ];
}

describe("splitAnswers", () => {
  it("times the way in, the model and the way out of each answer alone", () => {
    const packets = [...exchange(50000, 0, 100, 60, 50), ...exchange(50001, 1000, 120, 65, 70)];
    expect(splitAnswers(packets, PROXY, UPSTREAM)).toEqual([
      { inUs: 100, modelUs: 60, outUs: 50 },
      { inUs: 120, modelUs: 65, outUs: 70 },
    ]);
  });

  it("leaves out answers that overlapped another request, and the one that overlapped", () => {
    const first = exchange(50000, 0, 100, 60, 50);
    const second = exchange(50001, 80, 100, 60, 50); // opened before the first was answered
    const packets = [...first, ...second].sort((x, y) => x.us - y.us);
    const third = exchange(50002, 1000, 90, 55, 45);
    expect(splitAnswers([...packets, ...third], PROXY, UPSTREAM)).toEqual([
      { inUs: 90, modelUs: 55, outUs: 45 },
    ]);
  });

  it("does not start timing a request while an earlier one is still open", () => {
    // 50001 opens while 50000 is open; 50000 is answered, then 50002 opens before 50001's
    // answer: 50002's request is not alone, and 50001's late upstream packets are not its.
    const packets: Packet[] = [
      { us: 0, src: 50000, dst: PROXY },
      { us: 10, src: 50001, dst: PROXY },
      { us: 100, src: 36668, dst: UPSTREAM },
      { us: 160, src: UPSTREAM, dst: 36668 },
      { us: 200, src: PROXY, dst: 50000 },
      { us: 210, src: 50002, dst: PROXY },
      { us: 220, src: 36668, dst: UPSTREAM },
      { us: 280, src: UPSTREAM, dst: 36668 },
      { us: 300, src: PROXY, dst: 50001 },
      { us: 320, src: 36668, dst: UPSTREAM },
      { us: 380, src: UPSTREAM, dst: 36668 },
      { us: 420, src: PROXY, dst: 50002 },
    ];
    expect(splitAnswers(packets, PROXY, UPSTREAM)).toEqual([]);
  });

  it("takes a request's last packet, the proxy's first call packet and the model's last", () => {
    const packets: Packet[] = [
      { us: 0, src: 50000, dst: PROXY },
      { us: 5, src: 50000, dst: PROXY }, // the body after the head
      { us: 100, src: 36668, dst: UPSTREAM },
      { us: 104, src: 36668, dst: UPSTREAM },
      { us: 150, src: UPSTREAM, dst: 36668 },
      { us: 165, src: UPSTREAM, dst: 36668 },
      { us: 200, src: PROXY, dst: 50000 },
      { us: 203, src: PROXY, dst: 50000 }, // the rest of the answer
    ];
    expect(splitAnswers(packets, PROXY, UPSTREAM)).toEqual([{ inUs: 95, modelUs: 65, outUs: 35 }]);
  });
});
