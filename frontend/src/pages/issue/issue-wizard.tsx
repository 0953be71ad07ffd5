/**
 * Issue a certificate, route /certificates/issue: CA and profile (with what the profile
 * allows beside it), then a pasted or uploaded CSR with a debounced server-side preview, or a
 * key generated in the key store; SANs validated as typed; validity within the profile's cap;
 * a review step; the result with downloads (PKCS#12 once, when a server key was made exportable).
 */
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';

import { KEY_ALGORITHMS, formatSanEntry } from '@pki/shared';
import type { KeyAlgorithm, ProfileId, SanEntry } from '@pki/shared';

import { canTake } from '../../app/navigation.js';
import { useSignedInUser } from '../../auth/session.js';
import { Button } from '../../components/button.js';
import { DefinitionList } from '../../components/definition-list.js';
import { DownloadButton } from '../../components/download-button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { PageHeader } from '../../components/page-header.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { exportedFileBlob } from '../certificates/exported-file.js';
import { CsrPreviewPanel, ProfileAllowance } from './csr-preview.js';
import { SanEditor, areSanRowsValid } from './san-editor.js';

type KeySource = 'csr' | 'server';
type Step = 'request' | 'review';

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

const field = 'rounded border border-line bg-panel px-2 py-1 text-ink';

export function IssueWizard() {
  const user = useSignedInUser();
  if (!canTake(user.role, 'issueCertificate')) {
    return (
      <PageHeader
        title="Issue a certificate"
        lead="Your role may not issue certificates; ask an operator or an admin."
      />
    );
  }
  return <IssueWizardSteps />;
}

function IssueWizardSteps() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const cas = useQuery(trpc.cas.list.queryOptions());
  const profiles = useQuery(trpc.profiles.list.queryOptions());
  const [caId, setCaId] = useState('');
  const [profileId, setProfileId] = useState<ProfileId>('tls-server');
  const [source, setSource] = useState<KeySource>('csr');
  const [csrPem, setCsrPem] = useState('');
  const [commonName, setCommonName] = useState('');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>('ec-p256');
  const [isExportable, setExportable] = useState(false);
  const [sans, setSans] = useState<SanEntry[]>([]);
  const [validityDays, setValidityDays] = useState('');
  const [step, setStep] = useState<Step>('request');
  const activeCas = (cas.data ?? []).filter((ca) => ca.status === 'active');
  const chosenCa = caId || activeCas[0]?.id || '';
  const profile = profiles.data?.find((item) => item.id === profileId);

  const debouncedCsr = useDebounced(csrPem.trim(), 300);
  const hasCsr = source === 'csr' && debouncedCsr.length > 0;
  const sanOverrides =
    sans.length > 0 && areSanRowsValid(sans, profile?.allowedSanTypes) ? sans.map(formatSanEntry) : undefined;
  const preview = useQuery({
    ...trpc.certificates.previewCsr.queryOptions({
      csrPem: debouncedCsr || 'x',
      profile: profileId,
      ...(chosenCa ? { caId: chosenCa } : {}),
      ...(sanOverrides ? { sans: sanOverrides } : {}),
    }),
    enabled: hasCsr,
    // A change of profile, CA or SAN asks again: the last answer stays, marked as busy, until
    // the next one replaces it, instead of the panel vanishing and coming back.
    placeholderData: keepPreviousData,
  });
  const isPreviewCurrent = hasCsr && !preview.isPlaceholderData;

  const days = validityDays === '' ? undefined : Number(validityDays);
  const isValidityValid =
    days === undefined || (Number.isInteger(days) && days >= 1 && days <= (profile?.maxValidityDays ?? 0));
  const issueFromCsr = useMutation(trpc.certificates.issueFromCsr.mutationOptions());
  const issueWithKey = useMutation(trpc.certificates.issueWithServerKey.mutationOptions());
  const issued = issueFromCsr.data ?? issueWithKey.data;
  const issueError = issueFromCsr.error ?? issueWithKey.error;

  const isReady =
    chosenCa !== '' &&
    isValidityValid &&
    areSanRowsValid(sans, profile?.allowedSanTypes) &&
    (source === 'csr' ? isPreviewCurrent && preview.data?.profileCheck?.isAccepted === true : commonName.trim() !== '');

  const issue = () => {
    const common = { caId: chosenCa, profile: profileId, ...(days !== undefined ? { validityDays: days } : {}) };
    if (source === 'csr')
      issueFromCsr.mutate({ ...common, csr: csrPem, ...(sanOverrides ? { sans: sanOverrides } : {}) });
    else
      issueWithKey.mutate({
        ...common,
        algorithm,
        subject: { commonName: commonName.trim() },
        sans: sans.map(formatSanEntry),
        isExportable,
      });
  };

  if (issued)
    return (
      <IssueResult
        issued={issued}
        fetchExport={(format, password) =>
          client.certificates.export.mutate({ id: issued.certificate.id, format, ...(password ? { password } : {}) })
        }
      />
    );

  return (
    <div className="space-y-6">
      <PageHeader title="Issue a certificate" lead={<Link to="/certificates">Back to the inventory</Link>} />
      {step === 'request' ? (
        <div className="space-y-4">
          <div className="flex flex-wrap gap-4">
            <label className="flex flex-col text-sm text-ink">
              Issuing CA
              <select className={field} value={chosenCa} onChange={(event) => setCaId(event.target.value)}>
                {activeCas.map((ca) => (
                  <option key={ca.id} value={ca.id}>
                    {ca.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex flex-col text-sm text-ink">
              Profile
              <select
                className={field}
                value={profileId}
                onChange={(event) => setProfileId(event.target.value as ProfileId)}
              >
                {(profiles.data ?? [])
                  .filter((item) => !item.isCa)
                  .map((item) => (
                    <option key={item.id} value={item.id}>
                      {item.displayName}
                    </option>
                  ))}
              </select>
            </label>
          </div>
          <fieldset className="flex gap-4 text-sm text-ink">
            <legend className="font-medium">Key</legend>
            <label>
              <input type="radio" name="key-source" checked={source === 'csr'} onChange={() => setSource('csr')} /> From
              a CSR
            </label>
            <label>
              <input
                type="radio"
                name="key-source"
                checked={source === 'server'}
                onChange={() => setSource('server')}
              />{' '}
              Generate a key in the key store
            </label>
          </fieldset>
          {source === 'csr' ? (
            <div className="space-y-2">
              <label htmlFor="csr-pem" className="block text-sm font-medium text-ink">
                CSR (PEM)
              </label>
              <textarea
                id="csr-pem"
                rows={8}
                className={`${field} w-full font-mono text-xs`}
                value={csrPem}
                onChange={(event) => setCsrPem(event.target.value)}
              />
              <input
                type="file"
                aria-label="Upload a CSR file"
                accept=".csr,.pem,.req"
                onChange={(event) => void event.target.files?.[0]?.text().then(setCsrPem)}
              />
              {preview.isError && <ApiErrorNotice title="The CSR could not be previewed" error={preview.error} />}
              {hasCsr && preview.data && (
                <div
                  aria-busy={preview.isPlaceholderData}
                  className={preview.isPlaceholderData ? 'opacity-60' : undefined}
                >
                  <CsrPreviewPanel preview={preview.data} profile={profile} />
                </div>
              )}
            </div>
          ) : (
            <div className="flex flex-wrap gap-4">
              <label className="flex flex-col text-sm text-ink">
                Common name
                <input className={field} value={commonName} onChange={(event) => setCommonName(event.target.value)} />
              </label>
              <label className="flex flex-col text-sm text-ink">
                Key algorithm
                <select
                  className={field}
                  value={algorithm}
                  onChange={(event) => setAlgorithm(event.target.value as KeyAlgorithm)}
                >
                  {KEY_ALGORITHMS.filter((item) => profile?.allowedKeyAlgorithms.includes(item) ?? true).map((item) => (
                    <option key={item}>{item}</option>
                  ))}
                </select>
              </label>
              {profile?.canExportPrivateKey && (
                <label className="self-end text-sm text-ink">
                  <input
                    type="checkbox"
                    checked={isExportable}
                    onChange={(event) => setExportable(event.target.checked)}
                  />{' '}
                  Allow one PKCS#12 download
                </label>
              )}
              {profile && <ProfileAllowance profile={profile} />}
            </div>
          )}
          <SanEditor
            rows={sans}
            onChange={setSans}
            {...(profile ? { allowedTypes: profile.allowedSanTypes } : {})}
            {...(source === 'csr' && preview.data?.isParsed ? { csrSans: preview.data.sans } : {})}
          />
          <label className="flex flex-col text-sm text-ink">
            Validity in days (default {profile?.defaultValidityDays ?? '…'}, at most {profile?.maxValidityDays ?? '…'})
            <input
              className={field}
              inputMode="numeric"
              value={validityDays}
              aria-invalid={!isValidityValid}
              onChange={(event) => setValidityDays(event.target.value)}
            />
            {!isValidityValid && <span className="text-danger">Enter 1 to {profile?.maxValidityDays} days.</span>}
          </label>
          <Button isDisabled={!isReady} onPress={() => setStep('review')}>
            Review
          </Button>
        </div>
      ) : (
        <div className="space-y-4">
          <DefinitionList
            items={[
              { term: 'CA', description: activeCas.find((ca) => ca.id === chosenCa)?.name ?? chosenCa },
              { term: 'Profile', description: profile?.displayName ?? profileId },
              {
                term: 'Subject',
                description: source === 'csr' ? (preview.data?.profileCheck?.subjectDn ?? '') : `CN=${commonName}`,
              },
              {
                term: 'SANs',
                description:
                  (source === 'csr' ? (preview.data?.profileCheck?.sans ?? []) : sans.map(formatSanEntry)).join(', ') ||
                  'none',
              },
              { term: 'Validity', description: `${days ?? profile?.defaultValidityDays ?? ''} days` },
              {
                term: 'Key',
                description: source === 'csr' ? 'from the CSR' : `${algorithm}, generated in the key store`,
              },
            ]}
          />
          {issueError && <ApiErrorNotice title="The certificate was not issued" error={issueError} />}
          <div className="flex gap-2">
            <Button variant="secondary" onPress={() => setStep('request')}>
              Back
            </Button>
            <Button onPress={issue} isDisabled={issueFromCsr.isPending || issueWithKey.isPending}>
              Issue certificate
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}

type ExportAnswer = Awaited<ReturnType<ReturnType<typeof useTRPCClient>['certificates']['export']['mutate']>>;

function IssueResult({
  issued,
  fetchExport,
}: {
  issued: {
    certificate: { id: string; serialHex: string; canExportPrivateKey: boolean };
    certificatePem: string;
    chainPem: string;
  };
  fetchExport: (format: 'der' | 'pkcs7' | 'pkcs12', password?: string) => Promise<ExportAnswer>;
}) {
  const [password, setPassword] = useState('');
  const serial = issued.certificate.serialHex;
  const text = (content: string) => async () => new Blob([content], { type: 'application/x-pem-file' });
  return (
    <div className="space-y-4">
      <PageHeader
        title="Certificate issued"
        lead={<Link to={`/certificates/${issued.certificate.id}`}>Open its detail page</Link>}
      />
      <p className="text-ink">Serial {serial}</p>
      <div className="flex flex-wrap gap-2">
        <DownloadButton filename={`${serial}.pem`} source={text(issued.certificatePem)}>
          PEM
        </DownloadButton>
        <DownloadButton filename={`${serial}.cer`} source={async () => exportedFileBlob(await fetchExport('der'))}>
          DER
        </DownloadButton>
        <DownloadButton filename={`${serial}-chain.pem`} source={text(`${issued.certificatePem}${issued.chainPem}`)}>
          Full chain
        </DownloadButton>
        <DownloadButton filename={`${serial}.p7b`} source={async () => exportedFileBlob(await fetchExport('pkcs7'))}>
          PKCS#7
        </DownloadButton>
      </div>
      {issued.certificate.canExportPrivateKey && (
        <section className="space-y-2 rounded border border-warn bg-warn-soft p-4" aria-labelledby="pkcs12-title">
          <h2 id="pkcs12-title" className="font-semibold text-ink">
            Private key (PKCS#12)
          </h2>
          <p className="text-sm text-ink">
            The private key can be downloaded <strong>only once</strong>. After this download the key store keeps no
            exportable copy.
          </p>
          <label className="flex flex-col text-sm text-ink">
            Password for the file (at least 8 characters)
            <input
              type="password"
              className={field}
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </label>
          {password.length >= 8 && (
            <DownloadButton
              filename={`${serial}.p12`}
              source={async () => exportedFileBlob(await fetchExport('pkcs12', password))}
            >
              Download PKCS#12 once
            </DownloadButton>
          )}
        </section>
      )}
    </div>
  );
}
