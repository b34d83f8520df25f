// Prints the current RFC 6238 code (6 digits, 30 s, HMAC-SHA1) for a base32
// secret, for scripts/bench to sign the demo clinician in (Node built-ins only).
import { createHmac } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const secret = (process.argv[2] || '').toUpperCase().replace(/[^A-Z2-7]/g, '');
let bits = '';
for (const c of secret)
	bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
const key = Buffer.alloc(Math.floor(bits.length / 8));
for (let i = 0; i < key.length; i++)
	key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
const step = Math.floor(Date.now() / 1000 / 30) + Number(process.argv[3] || 0);
const msg = Buffer.alloc(8);
msg.writeBigUInt64BE(BigInt(step));
const mac = createHmac('sha1', key).update(msg).digest();
const off = mac[mac.length - 1] & 15;
const code = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
console.log(String(code).padStart(6, '0'));
