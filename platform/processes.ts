import net from 'node:net';

/** Something accepts TCP connections on this local port. */
export function portAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Listens on `port` (0: the OS picks one) and closes again: the port, or undefined when it is taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) => (port && err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    s.listen(port, '127.0.0.1', () => {
      const got = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(got));
    });
  });
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return (await tryPort(0)) as number;
}

/** A free port picked at random between `min` and `max`, none of `taken`. */
export async function freePortBetween(min: number, max: number, taken: readonly number[] = []): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    if (!taken.includes(port) && (await tryPort(port)) !== undefined) return port;
  }
  throw new Error(`no free port between ${min} and ${max}`);
}
