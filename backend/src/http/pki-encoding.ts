/** Small helpers shared by the public PKI routes. */

/** "3f2a….crl" → { id: "3f2a…", extension: "crl" }, or no id when the extension is not offered. */
export function splitResourceName<E extends string>(
  file: string,
  extensions: readonly E[],
): { id: string; extension: E } | { id: undefined; extension: undefined } {
  const dot = file.lastIndexOf('.');
  const id = file.slice(0, dot);
  const extension = file.slice(dot + 1).toLowerCase();
  if (dot < 1 || !(extensions as readonly string[]).includes(extension) || !/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
    return { id: undefined, extension: undefined };
  }
  return { id, extension: extension as E };
}
