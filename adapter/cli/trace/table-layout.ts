// Aligned text columns for the live trace table: widths from the header and the rows shown, numbers
// right-aligned, and the one flexible column (a path, a command line, DNS answers) shrunk first
// with an ellipsis when the line would be wider than the terminal. Pure: strings in, lines out.

export interface ColumnSpec {
  title: string;
  align?: 'left' | 'right';
  /** Never wider than this (a comm is 15 characters at most, an address 39). */
  maxWidth?: number;
  /** The column that gives up width first when the terminal is narrow (at most one per table). */
  flex?: boolean;
}

const GAP = 2;
const ELLIPSIS = '…';

/** Cuts `text` to `width` characters, marking the cut with an ellipsis. */
export function clip(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? ELLIPSIS : `${text.slice(0, width - 1)}${ELLIPSIS}`;
}

/** Control characters (a newline in argv, an escape in a file name) would break the table: shown escaped. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** The width of every column for these rows within `maxLineWidth`. */
export function columnWidths(columns: readonly ColumnSpec[], rows: readonly (readonly string[])[], maxLineWidth: number): number[] {
  const widths = columns.map((c, i) => {
    const natural = Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length));
    return Math.min(natural, c.maxWidth ?? Infinity);
  });
  let total = widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, columns.length - 1);
  const shrinkOrder = [columns.findIndex((c) => c.flex), ...widths.map((_, i) => i).reverse()].filter((i) => i >= 0);
  for (const i of shrinkOrder) {
    if (total <= maxLineWidth) break;
    // A column keeps at least its title's first few characters so the header still says what it is.
    const floor = Math.min(widths[i]!, Math.max(3, Math.min(columns[i]!.title.length, 6)));
    const cut = Math.min(widths[i]! - floor, total - maxLineWidth);
    widths[i]! -= cut;
    total -= cut;
  }
  return widths;
}

function renderLine(cells: readonly string[], columns: readonly ColumnSpec[], widths: readonly number[]): string {
  const parts = columns.map((c, i) => {
    const text = clip(printable(cells[i] ?? ''), widths[i]!);
    const last = i === columns.length - 1;
    if (c.align === 'right') return text.padStart(widths[i]!);
    return last ? text : text.padEnd(widths[i]!);
  });
  return parts.join(' '.repeat(GAP)).trimEnd();
}

/** Header line plus one line per row, every line at most `maxLineWidth` characters. */
export function layoutTable(columns: readonly ColumnSpec[], rows: readonly (readonly string[])[], maxLineWidth: number): string[] {
  const safeRows = rows.map((r) => r.map(printable));
  const widths = columnWidths(columns, safeRows, maxLineWidth);
  const lines = [renderLine(columns.map((c) => c.title), columns, widths), ...safeRows.map((r) => renderLine(r, columns, widths))];
  return lines.map((l) => clip(l, maxLineWidth));
}
