import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A self-signed certificate for localhost and 127.0.0.1 (a day long), made with `openssl` into
 * `dir`, for serving gRPC over TLS in tests. A missing openssl fails with what to install.
 */
export function selfSignedCertificate(dir: string): { certPath: string; keyPath: string } {
  const certPath = join(dir, 'grpc-cert.pem');
  const keyPath = join(dir, 'grpc-key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { encoding: 'utf8' },
  );
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error('openssl is not on PATH: install it (Debian: apt-get install openssl)');
  if (r.status !== 0) throw new Error(`openssl could not make a certificate: ${r.stderr}`);
  return { certPath, keyPath };
}
