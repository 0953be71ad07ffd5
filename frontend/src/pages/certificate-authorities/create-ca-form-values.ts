/**
 * The create-CA form's text fields to the API input, checked with the same zod schemas the
 * server uses, so a mistake is named next to its field before anything is sent.
 */
import { CreateIntermediateCaInput, CreateRootCaInput } from '@pki/shared';
import type { KeyAlgorithm } from '@pki/shared';

export type CaKind = 'root' | 'intermediate';

export interface CreateCaFormValues {
  kind: CaKind;
  parentId: string;
  name: string;
  commonName: string;
  organization: string;
  country: string;
  algorithm: KeyAlgorithm;
  validityDays: string;
  /** Empty: no path length constraint. */
  pathLength: string;
}

export type CreateCaField =
  'parentId' | 'name' | 'commonName' | 'organization' | 'country' | 'algorithm' | 'validityDays' | 'pathLength';

export type CreateCaRequest =
  { kind: 'root'; input: CreateRootCaInput } | { kind: 'intermediate'; input: CreateIntermediateCaInput };

export type CreateCaParseResult =
  { isValid: true; request: CreateCaRequest } | { isValid: false; errors: Partial<Record<CreateCaField, string>> };

export const DEFAULT_VALUES: CreateCaFormValues = {
  kind: 'root',
  parentId: '',
  name: '',
  commonName: '',
  organization: '',
  country: '',
  algorithm: 'ec-p384',
  validityDays: '3650',
  pathLength: '',
};

const FIELD_OF_PATH: Record<string, CreateCaField> = {
  parentId: 'parentId',
  name: 'name',
  'subject.commonName': 'commonName',
  'subject.organization': 'organization',
  'subject.country': 'country',
  algorithm: 'algorithm',
  validityDays: 'validityDays',
  pathLength: 'pathLength',
};

/** A whole number, or NaN so the schema reports it as "expected number". */
function wholeNumber(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

function optionalText(text: string): string | undefined {
  return text.trim() === '' ? undefined : text.trim();
}

function messageOf(issue: { code: string; message: string }): string {
  if (issue.code === 'invalid_type') return 'enter a whole number';
  return issue.message;
}

export function parseCreateCaForm(values: CreateCaFormValues): CreateCaParseResult {
  const subject = {
    commonName: values.commonName,
    ...(optionalText(values.organization) === undefined ? {} : { organization: optionalText(values.organization) }),
    ...(optionalText(values.country) === undefined ? {} : { country: optionalText(values.country) }),
  };
  const common = {
    name: values.name.trim(),
    subject,
    algorithm: values.algorithm,
    validityDays: wholeNumber(values.validityDays),
  };
  const parsed =
    values.kind === 'root'
      ? CreateRootCaInput.safeParse(common)
      : CreateIntermediateCaInput.safeParse({
          ...common,
          parentId: values.parentId,
          pathLength: values.pathLength.trim() === '' ? null : wholeNumber(values.pathLength),
        });
  if (parsed.success) {
    return values.kind === 'root'
      ? { isValid: true, request: { kind: 'root', input: parsed.data as CreateRootCaInput } }
      : { isValid: true, request: { kind: 'intermediate', input: parsed.data as CreateIntermediateCaInput } };
  }
  const errors: Partial<Record<CreateCaField, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = FIELD_OF_PATH[issue.path.join('.')];
    if (field !== undefined && errors[field] === undefined) errors[field] = messageOf(issue);
  }
  if (values.kind === 'intermediate' && values.parentId === '') errors.parentId = 'choose the CA that signs it';
  return { isValid: false, errors };
}
