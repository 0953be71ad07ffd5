import { CheckInput, TextInput } from '../../components/form-fields.js';

/** Past a CA's live certificates the server refuses unless forced with a reason (kept in the audit row). */
export function ForceFields({
  verb,
  liveCertificates,
  isForced,
  onForcedChange,
  reason,
  onReasonChange,
}: {
  verb: 'Revoke' | 'Destroy';
  liveCertificates: number;
  isForced: boolean;
  onForcedChange: (isForced: boolean) => void;
  reason: string;
  onReasonChange: (reason: string) => void;
}) {
  if (liveCertificates === 0) return null;
  return (
    <>
      <CheckInput isSelected={isForced} onChange={onForcedChange}>
        {verb} it anyway, although {liveCertificates} live certificate(s) depend on it
      </CheckInput>
      {isForced ? (
        <TextInput
          label={`Why it must be ${verb === 'Revoke' ? 'revoked' : 'destroyed'} now`}
          value={reason}
          onChange={onReasonChange}
          isMultiline
          isRequired
          description="Kept in the audit log with your name."
        />
      ) : null}
    </>
  );
}

export function isForceSettled(liveCertificates: number, isForced: boolean, reason: string): boolean {
  return liveCertificates === 0 || (isForced && reason.trim().length > 0);
}
