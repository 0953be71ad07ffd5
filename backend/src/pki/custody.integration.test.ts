/**
 * Issue 12: key-custody evidence for a certificate on each kind of key store — the embedded
 * local store, PyKMIP (kmip) and a SoftHSM2 token (pkcs11). A CA signs a leaf from an openssl
 * CSR in a request of its own; the evidence must name the CA key as the store knows it, the
 * `kms.sign` row of that request, and the first checkpoint that covers the row (none before
 * one is recorded). On SoftHSM2, OpenSC's pkcs11-tool in another process is the witness: what
 * it lists for the key (sensitive, never extractable) is what the evidence says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CertificateCustody } from '@pki/shared';

import { isPyKmipInstalled, startPyKmip } from '../../test/harness/pykmip.js';
import type { PyKmipServer } from '../../test/harness/pykmip.js';
import {
  createSoftHsmToken,
  pkcs11DriverEnv,
  pkcs11ToolKeyArgs,
  softHsmUnavailableReason,
} from '../../test/harness/softhsm.js';
import type { SoftHsmToken } from '../../test/harness/softhsm.js';
import { buildApp } from '../app.js';
import { AuditChain } from '../audit/chain.js';
import { CHECKPOINT_ENTITY, CHECKPOINT_OPERATION } from '../audit/checkpoint.js';
import { loadConfig } from '../config.js';
import { silentLogger } from '../../test/harness/temp-local-store.js';
import { systemContext } from '../request-context.js';
import { actAs } from '../../test/harness/act-as.js';
import { parseCertificateDer } from './certificate-parser.js';
import { tool } from '../../test/harness/drivers-path.js';
import { opensslCsr, scratchDir } from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';

type App = Awaited<ReturnType<typeof buildApp>>;

interface CustodyCase {
  name: string;
  unavailableReason: string | undefined;
  env: () => Record<string, string>;
  rootAlgorithm: 'rsa-3072' | 'ec-p384';
  /** What the store itself reports of the CA key, checked by the store's own tool where it has one. */
  expectedReport: (keyStoreId: string) => Promise<Partial<NonNullable<CertificateCustody['key']['keyStore']>>>;
}

/** PyKMIP's client, not ours: every attribute the server keeps of the key, as JSON. */
const PYKMIP_SENSITIVE_WITNESS = `
import json, sys
from kmip.core import enums
from kmip.pie.client import ProxyKmipClient

host, port, cert, key, ca, uid = sys.argv[1:7]
# KMIP 2.0: PyKMIP keeps Sensitive as a 2.0 attribute and shows it to 2.0 clients only.
client = ProxyKmipClient(hostname=host, port=int(port), cert=cert, key=key, ca=ca, config_file='/dev/null',
                         kmip_version=enums.KMIPVersion.KMIP_2_0)
with client:
    _, attributes = client.get_attributes(uid)
    out = {}
    for attribute in attributes:
        value = attribute.attribute_value
        value = value.value if hasattr(value, 'value') else value
        out[attribute.attribute_name.value] = value.name if hasattr(value, 'name') else value
    print(json.dumps(out, default=str))
`;

let pykmip: PyKmipServer | undefined;
let token: SoftHsmToken | undefined;
const softHsmReason = softHsmUnavailableReason();
const pykmipReason = isPyKmipInstalled() ? undefined : 'PyKMIP is not installed: apt-get install python3-pykmip';

beforeAll(async () => {
  if (pykmipReason === undefined) pykmip = await startPyKmip();
  if (softHsmReason === undefined) token = await createSoftHsmToken({ tokenLabel: 'custody' });
});
afterAll(async () => {
  await pykmip?.stop();
  await token?.cleanup();
});

const CASES: CustodyCase[] = [
  {
    name: 'local',
    unavailableReason: undefined,
    env: () => ({ PKI_KMS_BACKEND: 'local' }),
    rootAlgorithm: 'ec-p384',
    // Sealed at rest, unsealed only in the process that signs; the CA key was not made exportable.
    expectedReport: () =>
      Promise.resolve({ state: 'active', isSensitive: true, isNeverExtractable: true, isExtractable: false }),
  },
  {
    name: 'kmip',
    unavailableReason: pykmipReason,
    env: () => {
      if (pykmip === undefined) throw new Error('PyKMIP did not start');
      return {
        PKI_KMS_BACKEND: 'kmip',
        PKI_KMS_NAMESPACE: 'custody-kmip',
        PKI_KMIP_HOST: pykmip.host,
        PKI_KMIP_PORT: String(pykmip.port),
        PKI_KMIP_CA: `${pykmip.directory}/ca.crt`,
        PKI_KMIP_CERT: `${pykmip.directory}/client.crt`,
        PKI_KMIP_KEY: `${pykmip.directory}/client.key`,
      };
    },
    rootAlgorithm: 'rsa-3072',
    // PyKMIP's own client is the witness of what the server keeps: Sensitive false (it hands a
    // private key to its owner), and no Extractable or Never Extractable, so the evidence says
    // it does not know rather than guess.
    async expectedReport(keyStoreId) {
      if (pykmip === undefined) throw new Error('PyKMIP did not start');
      const { directory } = pykmip;
      const witness = await tool('/usr/bin/python3', [
        '-c',
        PYKMIP_SENSITIVE_WITNESS,
        pykmip.host,
        String(pykmip.port),
        `${directory}/client.crt`,
        `${directory}/client.key`,
        `${directory}/ca.crt`,
        keyStoreId,
      ]);
      expect(witness.status, witness.output).toBe(0);
      const reported = JSON.parse(witness.output) as { Sensitive?: boolean; State: string };
      expect(reported.State).toBe('ACTIVE');
      return {
        state: 'active',
        isSensitive: reported.Sensitive ?? null,
        isNeverExtractable: null,
        isExtractable: null,
      };
    },
  },
  {
    name: 'pkcs11',
    unavailableReason: softHsmReason,
    env: () => {
      if (token === undefined) throw new Error('SoftHSM2 token not created');
      return pkcs11DriverEnv(token, 'custody-pkcs11');
    },
    rootAlgorithm: 'ec-p384',
    async expectedReport(keyStoreId) {
      if (token === undefined) throw new Error('SoftHSM2 token not created');
      const listing = await tool('pkcs11-tool', [
        ...pkcs11ToolKeyArgs(token, keyStoreId),
        '--list-objects',
        '--type',
        'privkey',
      ]);
      expect(listing.status, listing.output).toBe(0);
      const access = /Access:\s+([^\n]*)/.exec(listing.output)?.[1] ?? '';
      const flags = access.split(',').map((flag) => flag.trim());
      expect(flags).toContain('sensitive');
      expect(flags).toContain('never extractable');
      return {
        state: 'active',
        isSensitive: flags.includes('sensitive'),
        isNeverExtractable: flags.includes('never extractable'),
        isExtractable: flags.includes('extractable'),
      };
    },
  },
];

for (const custodyCase of CASES) {
  const skipped = custodyCase.unavailableReason === undefined ? '' : ` (skipped: ${custodyCase.unavailableReason})`;
  describe.skipIf(custodyCase.unavailableReason !== undefined)(
    `key-custody evidence on the ${custodyCase.name} key store${skipped}`,
    () => {
      let app: App;
      let dataDir: ScratchDir;
      let scratch: ScratchDir;

      beforeAll(async () => {
        dataDir = scratchDir('pki-custody-data-');
        scratch = scratchDir('pki-custody-');
        const config = loadConfig({
          PKI_MODE: 'test',
          PKI_DATA_DIR: dataDir.path,
          PKI_PORT: '0',
          ...custodyCase.env(),
        });
        app = await buildApp(config, { logger: silentLogger() });
      });
      afterAll(async () => {
        await app?.close();
        dataDir?.remove();
        scratch?.remove();
      });

      it('names the CA key as the store reports it, the kms.sign row and the covering checkpoint', async () => {
        const { services } = app;
        const root = await services.pki.cas.createRoot(systemContext('custody-test', 'req-custody-root'), {
          name: `custody ${custodyCase.name} root`,
          subject: { commonName: `Custody ${custodyCase.name} Root` },
          algorithm: custodyCase.rootAlgorithm,
          validityDays: 365,
        });
        const { csrPem } = opensslCsr(scratch, 'leaf', {
          key: 'ec:P-256',
          subject: '/CN=leaf.custody.test',
          sans: 'DNS:leaf.custody.test',
        });
        const issued = await services.pki.certificates.issueFromCsr(systemContext('custody-test', 'req-custody-leaf'), {
          caId: root.id,
          profile: 'tls-server',
          csr: csrPem,
        });
        const { caller } = await actAs(services, 'auditor');
        const serialWithColons = issued.certificate.serialHex.toUpperCase().replace(/(..)(?=.)/g, '$1:');
        const before = await caller.certificates.custody({ caId: root.name, serialHex: serialWithColons });

        const keyRow = services.database.sqlite
          .prepare('SELECT private_key_ref, backend FROM kms_keys WHERE id = ?')
          .get(root.keyId) as { private_key_ref: string; backend: string };
        expect(before.certificate).toMatchObject({ id: issued.certificate.id, caId: root.id });
        expect(before.key).toMatchObject({
          id: root.keyId,
          backend: custodyCase.name,
          keyStoreId: keyRow.private_key_ref,
          algorithm: custodyCase.rootAlgorithm,
          state: 'active',
        });
        expect(before.key.keyStore).toEqual(await custodyCase.expectedReport(keyRow.private_key_ref));

        const tbsLength = parseCertificateDer(services.pki.certificates.getDer({ id: issued.certificate.id })).tbs
          .byteLength;
        expect(before.issuance).toMatchObject({
          operation: 'certificate.issue',
          entityId: issued.certificate.id,
          requestId: 'req-custody-leaf',
        });
        expect(before.signature).toMatchObject({
          operation: 'kms.sign',
          status: 'success',
          entityType: 'kms_key',
          entityId: root.keyId,
          requestId: 'req-custody-leaf',
          details: { dataLength: tbsLength, privateKeyRef: keyRow.private_key_ref, backend: custodyCase.name },
        });
        const signature = before.signature;
        if (signature === null || before.issuance === null) throw new Error('no signature row');
        expect(signature.seq).toBeLessThan(before.issuance.seq);
        expect(before.checkpoint).toBeNull();

        // Two checkpoints as the signer records them (docs/AUDIT.md §5): the first was signed
        // before the signature row and recorded after it, so only the second covers it.
        const chain = new AuditChain(services.database.sqlite);
        const tip = services.database.sqlite
          .prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
          .get() as {
          seq: number;
          hash: string;
        };
        const checkpointRow = (covered: number) => ({
          actor: 'system:audit',
          operation: CHECKPOINT_OPERATION,
          entityType: CHECKPOINT_ENTITY,
          entityId: String(covered),
          status: 'success' as const,
          details: { seq: covered, hash: tip.hash, time: '2026-12-01T00:00:00Z', signature: 'AA==', signer: 'ab' },
        });
        const [early, covering] = chain.transaction(() => [
          chain.append(checkpointRow(signature.seq - 1)),
          chain.append(checkpointRow(tip.seq)),
        ]);
        const after = await caller.certificates.custody({ caId: root.id, serialHex: issued.certificate.serialHex });
        expect(early?.seq).toBeLessThan(covering?.seq ?? 0);
        expect(after.checkpoint).toMatchObject({ seq: covering?.seq, details: { seq: tip.seq } });

        // Evidence is a read: asking for it wrote no row.
        const count = () => services.database.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get();
        const rows = count();
        await caller.certificates.custody({ caId: root.id, serialHex: issued.certificate.serialHex });
        expect(count()).toBe(rows);
        await expect(caller.certificates.custody({ caId: root.id, serialHex: 'ffff' })).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
      });
    },
  );
}
