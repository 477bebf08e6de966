import { networkInterfaces } from 'node:os';

/** The base URL printed links use: PUBLIC_URL, else this machine's LAN address so phones can join. */
export function publicBase(publicUrl: string | undefined, host: string, port: number): string {
  if (publicUrl) return publicUrl;
  const wildcard = host === '0.0.0.0' || host === '::';
  const name = wildcard ? lanAddress() ?? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

function lanAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}
