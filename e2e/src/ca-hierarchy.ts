/**
 * A root and an issuing intermediate made through the API by an admin, as the set-up of a
 * journey that starts after the CAs exist (creating them in the console is its own test,
 * certificate-authorities.e2e.test.ts). EC keys: generated at once by the embedded store.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ApiSession } from './api-session.js';

export interface CaHierarchy {
  root: { id: string; name: string; pemPath: string };
  issuing: { id: string; name: string; pemPath: string };
}

/** Fetches a CA certificate from the public endpoint relying parties use, and keeps it as a file. */
async function saveCaCertificate(baseUrl: string, caId: string, path: string): Promise<void> {
  const response = await fetch(`${baseUrl}/ca/${caId}.pem`);
  if (response.status !== 200) throw new Error(`GET /ca/${caId}.pem answered ${response.status}`);
  writeFileSync(path, await response.text());
}

export async function createCaHierarchy(admin: ApiSession, directory: string): Promise<CaHierarchy> {
  const root = await admin.must<{ id: string; name: string }>('cas.createRoot', {
    name: 'Journey Root',
    subject: { commonName: 'Journey Root CA' },
    algorithm: 'ec-p384',
    validityDays: 3650,
  });
  const issuing = await admin.must<{ id: string; name: string }>('cas.createIntermediate', {
    parentId: root.id,
    name: 'Journey Issuing',
    subject: { commonName: 'Journey Issuing CA' },
    algorithm: 'ec-p256',
    validityDays: 1825,
    pathLength: 0,
  });
  const hierarchy: CaHierarchy = {
    root: { id: root.id, name: root.name, pemPath: join(directory, 'root.pem') },
    issuing: { id: issuing.id, name: issuing.name, pemPath: join(directory, 'issuing.pem') },
  };
  await saveCaCertificate(admin.baseUrl, hierarchy.root.id, hierarchy.root.pemPath);
  await saveCaCertificate(admin.baseUrl, hierarchy.issuing.id, hierarchy.issuing.pemPath);
  return hierarchy;
}
