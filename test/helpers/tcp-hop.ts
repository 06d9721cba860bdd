// A TCP hop on loopback in front of a server that a test can cut: afterwards every connection
// through it is refused, as when the server's host is gone (fail-closed tests).
import { connect, createServer, type Socket } from "node:net";

export interface TcpHop {
  /** The hop's port on 127.0.0.1. */
  port: number;
  /** Stops listening and drops every open connection. */
  cut(): Promise<void>;
}

export async function tcpHop(target: { host: string; port: number }): Promise<TcpHop> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const upstream = connect(target.port, target.host);
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const drop = () => (socket.destroy(), upstream.destroy());
    socket.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  let cut: Promise<void> | undefined;
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      cut ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return cut;
    },
  };
}
