/**
 * A TCP proxy that holds every chunk for half of `delayMs` in each direction, so a round trip
 * through it takes `delayMs` more: a database "on another machine" for the benchmarks, on
 * loopback. Order is kept (timers of one duration fire in the order they were set).
 *
 *   node bench/loadgen/delay-proxy.mjs <target-host> <target-port> <delay-ms>
 *
 * Prints `listening <port>` once it accepts connections.
 */
import net from "node:net";

const [host, port, delay] = process.argv.slice(2);
const halfMs = Number(delay) / 2;

function relay(from, to) {
  from.on("data", (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, halfMs);
  });
  from.on("end", () => setTimeout(() => to.end(), halfMs));
  from.on("error", () => to.destroy());
}

const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect({ host, port: Number(port) });
  upstream.setNoDelay(true);
  relay(client, upstream);
  relay(upstream, client);
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
