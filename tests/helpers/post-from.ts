// POST from a chosen loopback address (127.0.0.0/8 is all local on Linux): many residents on
// many addresses, for the per-address rate limits, without loosening them for tests.
import { request } from 'node:http';

export interface Answer {
  status: number;
  body: any;
}

export function postFrom(url: string, token: string, body: unknown, from = '127.0.0.1'): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', localAddress: from,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : null }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** The n-th of many distinct loopback addresses (127.0.1.0 upwards). */
export function address(n: number): string {
  return `127.0.${1 + Math.floor(n / 250)}.${n % 250 + 1}`;
}
