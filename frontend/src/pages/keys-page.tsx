import { PlannedSection } from './planned-section.js';

export function KeysPage() {
  return (
    <PlannedSection
      title="Keys"
      summary="Key pairs held by the key store. PKI Manager only holds references to them."
      planned={[
        { text: 'List every key with its algorithm, purpose, label and KMIP lifecycle state.' },
        { text: 'Revoke a key with a reason.', action: 'revokeOrDestroyKey' },
        { text: 'Destroy a key after typing its label back as confirmation.', action: 'revokeOrDestroyKey' },
      ]}
    />
  );
}
