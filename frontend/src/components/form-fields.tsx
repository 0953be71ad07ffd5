/**
 * Form fields over React Aria (label, description and validation wired
 * for screen readers), styled with the console's tokens.
 */
import type { ReactNode } from 'react';
import {
  Button,
  Checkbox,
  FieldError,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
  Text,
  TextArea,
  TextField,
} from 'react-aria-components';

const LABEL = 'text-sm font-semibold text-ink';
const CONTROL =
  'min-h-9 w-full rounded-md border border-line bg-panel px-3 py-1.5 font-[inherit] text-base text-ink placeholder:text-ink-muted focus-visible:border-brand';
const DESCRIPTION = 'text-sm text-ink-muted';
const ERROR = 'text-sm text-danger';

interface TextInputProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  description?: ReactNode;
  errorMessage?: string | undefined;
  isRequired?: boolean;
  isMultiline?: boolean;
  type?: 'text' | 'password' | 'search' | 'number' | 'datetime-local';
  autoComplete?: string;
  name?: string;
  className?: string;
}

export function TextInput({
  label,
  value,
  onChange,
  description,
  errorMessage,
  isRequired,
  isMultiline,
  type = 'text',
  autoComplete,
  name,
  className,
}: TextInputProps) {
  return (
    <TextField
      value={value}
      onChange={onChange}
      isRequired={isRequired ?? false}
      isInvalid={errorMessage !== undefined}
      type={type}
      {...(autoComplete === undefined ? {} : { autoComplete })}
      {...(name === undefined ? {} : { name })}
      className={`flex flex-col gap-1 ${className ?? ''}`}
    >
      <Label className={LABEL}>{label}</Label>
      {isMultiline === true ? <TextArea className={`${CONTROL} min-h-20`} /> : <Input className={CONTROL} />}
      {description === undefined ? null : (
        <Text slot="description" className={DESCRIPTION}>
          {description}
        </Text>
      )}
      <FieldError className={ERROR}>{errorMessage}</FieldError>
    </TextField>
  );
}

export interface Choice<T extends string> {
  id: T;
  label: string;
}

interface ChoiceInputProps<T extends string> {
  label: string;
  choices: readonly Choice<T>[];
  value: T | null;
  onChange: (value: T) => void;
  description?: string;
  placeholder?: string;
  /** Where the context already says what the control is, such as a table column; screen readers still read the label. */
  isLabelHidden?: boolean;
  className?: string;
}

export function ChoiceInput<T extends string>({
  label,
  choices,
  value,
  onChange,
  description,
  placeholder,
  isLabelHidden,
  className,
}: ChoiceInputProps<T>) {
  return (
    <Select
      selectedKey={value}
      onSelectionChange={(key) => {
        const choice = choices.find((candidate) => candidate.id === key);
        if (choice !== undefined) onChange(choice.id);
      }}
      {...(placeholder === undefined ? {} : { placeholder })}
      className={`flex flex-col gap-1 ${className ?? ''}`}
    >
      <Label className={isLabelHidden === true ? 'sr-only' : LABEL}>{label}</Label>
      <Button className={`${CONTROL} flex cursor-pointer items-center justify-between gap-2 text-left`}>
        <SelectValue />
        <span aria-hidden="true">▾</span>
      </Button>
      {description === undefined ? null : (
        <Text slot="description" className={DESCRIPTION}>
          {description}
        </Text>
      )}
      <Popover className="min-w-(--trigger-width) rounded-md border border-line bg-panel shadow-lg">
        <ListBox className="max-h-72 overflow-auto p-1 outline-none" items={choices}>
          {(choice) => (
            <ListBoxItem
              id={choice.id}
              textValue={choice.label}
              className="cursor-pointer rounded px-2 py-1.5 text-ink outline-none data-[focused]:bg-brand-soft data-[selected]:font-semibold"
            >
              {choice.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}

export function CheckInput({
  isSelected,
  onChange,
  children,
}: {
  isSelected: boolean;
  onChange: (isSelected: boolean) => void;
  children: ReactNode;
}) {
  return (
    <Checkbox
      isSelected={isSelected}
      onChange={onChange}
      className="flex cursor-pointer items-start gap-2 text-sm text-ink"
    >
      {({ isSelected: isChecked, isFocusVisible }) => (
        <>
          <span
            aria-hidden="true"
            className={`mt-0.5 inline-flex size-4 flex-none items-center justify-center rounded border text-xs ${isChecked ? 'border-brand bg-brand text-on-brand' : 'border-line bg-panel'} ${isFocusVisible ? 'outline-2 outline-offset-2 outline-brand' : ''}`}
          >
            {isChecked ? '✓' : ''}
          </span>
          <span>{children}</span>
        </>
      )}
    </Checkbox>
  );
}
