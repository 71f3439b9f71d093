import http from 'node:http';
import net from 'node:net';

/**
 * A TCP pass-through in front of the mail catcher that tests can turn off and on, over HTTP
 * (`POST /off`, `POST /on`). Off, its port refuses connections — to the app, exactly as if the
 * catcher had stopped — while the catcher itself, and the mail it holds, stay up.
 */
export interface SmtpSwitch {
  port: number;
  controlUrl: string;
  stop(): Promise<void>;
}

export async function startSmtpSwitch(target: { host: string; port: number }): Promise<SmtpSwitch> {
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(port, '127.0.0.1', () => {
        relay.off('error', reject);
        resolve((relay.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  let on = true;

  const control = http.createServer((req, res) => {
    const wanted = req.method === 'POST' ? req.url : undefined;
    const done = () => res.writeHead(204).end();
    if (wanted === '/off' && on) {
      on = false;
      relay.close();
      for (const socket of sockets) socket.destroy();
      done();
    } else if (wanted === '/on' && !on) {
      listen(port).then(
        () => {
          on = true;
          done();
        },
        (error: Error) => res.writeHead(500).end(error.message),
      );
    } else if (wanted === '/off' || wanted === '/on') {
      done();
    } else {
      res.writeHead(404).end();
    }
  });
  const controlPort = await new Promise<number>((resolve) => control.listen(0, '127.0.0.1', () => resolve((control.address() as net.AddressInfo).port)));

  return {
    port,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    async stop() {
      for (const socket of sockets) socket.destroy();
      if (on) await new Promise<void>((resolve) => relay.close(() => resolve()));
      await new Promise<void>((resolve) => control.close(() => resolve()));
    },
  };
}
