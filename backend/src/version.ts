import { readFileSync } from 'node:fs';

/** The backend package's version, read once at import (works from src/ and dist/). */
export const APP_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
