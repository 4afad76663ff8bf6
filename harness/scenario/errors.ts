// ScenarioError: a user's scenario file is wrong. A user error, not a harness bug: the CLI prints
// the message without a stack. The message names the file, where in it, and what was expected.

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';

  /**
   * @param file     the file as the user named it
   * @param path     JSON pointer inside the document (`/ops/3/gva`), '' for the document itself
   * @param expected what was expected, usually followed by `, got ...`
   * @param where    replaces the pointer in the message when the place is not a pointer
   *                 (a line and column for JSON syntax errors); '' drops the "at ..." part
   */
  constructor(
    readonly file: string,
    readonly path: string,
    readonly expected: string,
    where?: string,
  ) {
    const at = where ?? (path === '' ? '(root)' : path);
    super(at === '' ? `${file}: expected ${expected}` : `${file}: at ${at}: expected ${expected}`);
  }
}

/** JSON pointer of a child: escapes `~` and `/` as RFC 6901 says. */
export function childPointer(parent: string, key: string | number): string {
  return `${parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
