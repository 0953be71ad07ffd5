/**
 * Audit log (auditors, admins): the filtered log with each row in full, streamed export,
 * verification of the hash chain with its result as a banner, the audit signer, and the
 * compliance summary. Filters are in the URL. Procedures not merged yet are behind
 * audit/audit-api.ts (TODO(lead) there).
 */
import { useState } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { useSearchParams } from 'react-router';

import { auditSummaryCsv } from '@pki/shared';
import type { AuditEntry, AuditSummary } from '@pki/shared';

import { DownloadButton } from '../components/download-button.js';
import { useAuditList, useAuditSigner, useAuditVerification, useComplianceSummary } from './audit/audit-api.js';
import { AuditEntryDialog } from './audit/audit-entry-dialog.js';
import { AuditExport } from './audit/audit-export.js';
import { AuditFilterForm } from './audit/audit-filter-form.js';
import { filtersFromSearch, searchFromFilters } from './audit/audit-filters.js';
import { VerificationBanner } from './audit/verification-banner.js';
import { Button } from '../components/button.js';
import { formatInstant } from '../app/format-instant.js';
import { EmptyState } from '../components/empty-state.js';
import { PageHeader } from '../components/page-header.js';
import { QueryView } from '../components/query-view.js';
import { StateBadge } from '../components/badge.js';
import { TABLE_CLASSES } from '../components/table-classes.js';

/**
 * Columns a phone width (below Tailwind's `sm`, 640 px) leaves out; their values are stacked
 * under the operation instead, and the row's Details dialog shows everything.
 */
const WIDE_ONLY = 'hidden sm:table-cell';
/** Status and Details take only their content's width, so the operation gets the rest. */
const NARROW = 'w-px whitespace-nowrap';
const PHONE_LINE = 'block text-xs text-ink-muted [overflow-wrap:anywhere] sm:hidden';

export function AuditLogPage() {
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = filtersFromSearch(searchParams);
  const [cursors, setCursors] = useState<string[]>([]);
  const list = useAuditList(filters, cursors.at(-1));
  const verification = useAuditVerification();
  const signer = useAuditSigner();
  const summary = useComplianceSummary(filters);
  const [opened, setOpened] = useState<AuditEntry | undefined>();

  return (
    <>
      <PageHeader
        title="Audit log"
        lead="Every key operation and administrative action, hash-chained so that any change to a stored row is detected."
      />
      <section className="card mb-4 flex flex-col gap-3" aria-labelledby="integrity-heading">
        <h2 id="integrity-heading" className="m-0">
          Integrity
        </h2>
        <div className="flex flex-wrap items-start gap-4">
          <Button
            variant="primary"
            isDisabled={verification.state.phase === 'running'}
            onPress={() => void verification.start()}
          >
            Verify the audit log
          </Button>
          <AuditExport filters={filters} />
        </div>
        <VerificationBanner state={verification.state} />
        <div className="text-sm">
          <h3 className="m-0 text-sm">Audit signer</h3>
          {signer.signer === undefined ? null : (
            <p className="m-0 break-all">
              SHA-256 fingerprint: <code>{signer.signer.fingerprint}</code>
            </p>
          )}
          <p className="m-0">
            <a href="/audit/signer.pem" download="audit-signer.pem">
              Download the audit signer certificate (PEM)
            </a>{' '}
            to check signed checkpoints with <code>pki audit verify --signer</code>.
          </p>
        </div>
        <div className="text-sm">
          <h3 className="m-0 text-sm">Compliance summary</h3>
          {summary.summary === undefined ? (
            <p className="m-0 text-ink-muted">Counting the period…</p>
          ) : (
            <>
              <p className="m-0">
                {summary.summary.rowCount} rows from {formatInstant(summary.summary.since)} to{' '}
                {formatInstant(summary.summary.until)}: {summary.summary.unsuccessful.total} failed or denied,{' '}
                {summary.summary.keysCreated.total} keys created, {summary.summary.keysRevoked.total} revoked,{' '}
                {summary.summary.keysDestroyed.total} destroyed.
              </p>
              <DownloadButton
                filename="audit-summary.csv"
                source={async () => new Blob([auditSummaryCsv(summary.summary as AuditSummary)], { type: 'text/csv' })}
              >
                Download the summary (CSV)
              </DownloadButton>
            </>
          )}
        </div>
      </section>
      <AuditFilterForm
        key={searchParams.toString()}
        filters={filters}
        onApply={(next) => {
          setCursors([]);
          setSearchParams(searchFromFilters(next));
        }}
      />
      <QueryView
        query={list}
        loadingLabel="Loading the audit log"
        errorTitle="The audit log could not be read"
        isEmpty={(page) => page.items.length === 0 && cursors.length === 0}
        empty={
          <EmptyState title="No audit rows match these filters">Widen the time range or clear a filter.</EmptyState>
        }
      >
        {(page) => (
          <>
            <div className={TABLE_CLASSES.frame}>
              <Table aria-label="Audit rows" className={TABLE_CLASSES.table}>
                <TableHeader>
                  <Column className={`${TABLE_CLASSES.column} ${WIDE_ONLY}`}>Row</Column>
                  <Column className={`${TABLE_CLASSES.column} ${WIDE_ONLY}`}>Time</Column>
                  <Column className={`${TABLE_CLASSES.column} ${WIDE_ONLY}`}>Actor</Column>
                  <Column isRowHeader className={`${TABLE_CLASSES.column} w-full sm:w-auto`}>
                    Operation
                  </Column>
                  <Column className={`${TABLE_CLASSES.column} ${NARROW}`}>Status</Column>
                  <Column className={`${TABLE_CLASSES.column} ${WIDE_ONLY}`}>Entity</Column>
                  <Column className={`${TABLE_CLASSES.column} ${NARROW}`}>Details</Column>
                </TableHeader>
                <TableBody items={page.items}>
                  {(entry) => (
                    <Row id={entry.id} className={TABLE_CLASSES.row}>
                      <Cell className={`${TABLE_CLASSES.cell} ${WIDE_ONLY}`}>{entry.seq}</Cell>
                      <Cell className={`${TABLE_CLASSES.cell} ${WIDE_ONLY}`}>{formatInstant(entry.timestamp)}</Cell>
                      <Cell className={`${TABLE_CLASSES.cell} ${WIDE_ONLY} break-all`}>{entry.actor}</Cell>
                      <Cell className={TABLE_CLASSES.cell}>
                        <code className="[overflow-wrap:anywhere] sm:whitespace-nowrap">{entry.operation}</code>
                        {/* The hidden columns' values, stacked under the operation on a phone. */}
                        <span className={PHONE_LINE}>
                          #{entry.seq} · {formatInstant(entry.timestamp)}
                        </span>
                        <span className={PHONE_LINE}>{entry.actor}</span>
                        <span className={PHONE_LINE}>
                          {entry.entityType}
                          {entry.entityId === null ? '' : ` ${entry.entityId}`}
                        </span>
                      </Cell>
                      <Cell className={TABLE_CLASSES.cell}>
                        <StateBadge state={entry.status} />
                      </Cell>
                      <Cell className={`${TABLE_CLASSES.cell} ${WIDE_ONLY} break-all`}>
                        {entry.entityType}
                        {entry.entityId === null ? '' : ` ${entry.entityId}`}
                      </Cell>
                      <Cell className={TABLE_CLASSES.cell}>
                        <Button
                          variant="secondary"
                          className="h-8 px-2 text-sm"
                          aria-label={`Details of row ${entry.seq}`}
                          onPress={() => setOpened(entry)}
                        >
                          Details
                        </Button>
                      </Cell>
                    </Row>
                  )}
                </TableBody>
              </Table>
            </div>
            <div className="mt-3 flex gap-2">
              <Button
                variant="secondary"
                isDisabled={cursors.length === 0}
                onPress={() => setCursors(cursors.slice(0, -1))}
              >
                Newer
              </Button>
              <Button
                variant="secondary"
                isDisabled={page.nextCursor === null}
                onPress={() => page.nextCursor !== null && setCursors([...cursors, page.nextCursor])}
              >
                Older
              </Button>
            </div>
          </>
        )}
      </QueryView>
      {opened === undefined ? null : <AuditEntryDialog entry={opened} onClose={() => setOpened(undefined)} />}
    </>
  );
}
