// Locates the first JSON syntax error in a text and says what was expected there. JSON.parse's
// messages differ between Node versions and often carry no position; a scenario author needs
// the line and column.

export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly expected: string;
  /** What stands at the error: a quoted character or "the end of the text". */
  readonly got: string;
}

class Stop {
  constructor(
    readonly at: number,
    readonly expected: string,
  ) {}
}

const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

/** The first syntax error of text, or undefined when text is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const stop = (expected: string): never => {
    throw new Stop(i, expected);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) stop('a closing quote');
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else stop('a valid escape sequence');
      } else if (c < ' ') {
        stop('an escape such as \\n or \\u0000 instead of a raw control character in a string');
      } else {
        i++;
      }
    }
  };
  const sequence = (close: string, item: () => void) => {
    i++; // the opening bracket
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      if (text[i] !== ',') stop(`"," or "${close}"`);
      i++;
      ws();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      sequence('}', () => {
        if (text[i] !== '"') stop('a double-quoted property name');
        string();
        ws();
        if (text[i] !== ':') stop('":"');
        i++;
        value();
      });
      return;
    }
    if (c === '[') return sequence(']', value);
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    stop('a JSON value');
  };
  try {
    value();
    ws();
    if (i < text.length) stop('the end of the text');
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const before = text.slice(0, e.at);
    const got =
      e.at < text.length
        ? JSON.stringify(String.fromCodePoint(text.codePointAt(e.at) as number))
        : 'the end of the text';
    return {
      line: before.split('\n').length,
      column: e.at - before.lastIndexOf('\n'),
      expected: e.expected,
      got,
    };
  }
}
