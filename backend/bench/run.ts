/**
 * `pnpm bench`: every benchmark, each printed next to the peer measured in the same run.
 * Pass names to run a subset: `pnpm bench kmip-codec issuance`; `pnpm bench audit --audit-rows=20000 --certificates=10000`
 * runs the audit suite on a smaller log (`--backup-certificates=N --backup-audit-rows=N` the backup suite).
 */
import { formatRows } from './bench-row.js';
import type { BenchRow } from './bench-row.js';

interface Suite {
  name: string;
  title: string;
  load: () => Promise<() => Promise<BenchRow[]>>;
}

const SUITES: Suite[] = [
  {
    name: 'kmip-codec',
    title: 'KMIP codecs vs PyKMIP kmip.core',
    load: async () => (await import('./kmip-codec.js')).runKmipCodecBench,
  },
  {
    name: 'kmip-client',
    title: 'KMIP client vs PyKMIP ProxyKmipClient (same PyKMIP server)',
    load: async () => (await import('./kmip-client.js')).runKmipClientBench,
  },
  {
    name: 'key-store',
    title: 'Key stores vs openssl speed / genpkey',
    load: async () => (await import('./key-store.js')).runKeyStoreBench,
  },
  {
    name: 'kmip-key-store',
    title: 'kmip key store on PyKMIP vs openssl',
    load: async () => (await import('./kmip-key-store.js')).runKmipKeyStoreBench,
  },
  {
    name: 'pkcs11',
    title: 'pkcs11 key store on SoftHSM2 vs openssl',
    load: async () => (await import('./pkcs11.js')).runPkcs11Bench,
  },
  {
    name: 'issuance',
    title: 'Issuance in process, CRL and OCSP',
    load: async () => (await import('./issuance.js')).runIssuanceBench,
  },
  {
    name: 'ocsp',
    title: 'OCSP responder: cached vs uncached',
    load: async () => (await import('./ocsp.js')).runOcspBench,
  },
  {
    name: 'auth',
    title: 'Access control: sign-in and the API token check',
    load: async () => (await import('./auth.js')).runAuthBench,
  },
  {
    name: 'audit',
    title: 'Audit review: search, verification and export on a large log',
    load: async () => (await import('./audit-review.js')).runAuditReviewBench,
  },
  {
    name: 'backup',
    title: 'Backup: pki backup vs sqlite3 .backup and VACUUM INTO',
    load: async () => (await import('./backup.js')).runBackupBench,
  },
  {
    name: 'issuance-http',
    title: 'Issuance over HTTP vs cfssl serve',
    load: async () => (await import('./issuance-http.js')).runIssuanceHttpBench,
  },
  {
    name: 'console-bundle',
    title: 'Console initial JS per route (after pnpm build) vs the 250 KB budget',
    load: async () => (await import('./console-bundle.js')).runConsoleBundleBench,
  },
  {
    name: 'console-inventory',
    title: 'Console inventory at 100,000 certificates in Chromium (after pnpm build) vs its targets',
    load: async () => (await import('./console-inventory.js')).runConsoleInventoryBench,
  },
];

async function main(): Promise<void> {
  // Flags (`--audit-rows=N`, `--certificates=N`) are the suites' own; the rest are suite names.
  const wanted = process.argv.slice(2).filter((argument) => !argument.startsWith('--'));
  const unknown = wanted.filter((name) => !SUITES.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; available: ${SUITES.map((suite) => suite.name).join(', ')}\n`,
    );
    process.exit(2);
  }
  let hasFailed = false;
  for (const suite of SUITES.filter((candidate) => wanted.length === 0 || wanted.includes(candidate.name))) {
    process.stdout.write(`\nrunning ${suite.name}…\n`);
    try {
      const run = await suite.load();
      const rows = await run();
      process.stdout.write(`${formatRows(suite.title, rows)}\n`);
    } catch (error) {
      hasFailed = true;
      process.stdout.write(`\n## ${suite.title}\nFAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  process.exit(hasFailed ? 1 : 0);
}

await main();
