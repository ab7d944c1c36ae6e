import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import { HttpError } from '../errors';

/**
 * Printable documents (督办单, the weekly digest) as PDF, with pdfkit: it
 * embeds only the glyphs a document uses from the CJK font, so a one-page
 * notice stays small however large the font file is.
 *
 * The font is Debian's fonts-noto-cjk by default (Noto Serif CJK SC, a Song
 * face as official documents use); PDF_FONT names another TTF, OTF or TTC
 * file, PDF_FONT_NAME the font inside a collection (.ttc) by its PostScript
 * name. PDF_FONT_BOLD / PDF_FONT_BOLD_NAME likewise for headings, which use
 * the regular font where no bold one is found.
 */

const NOTO_DIR = '/usr/share/fonts/opentype/noto';
export const DEFAULT_FONT = { path: `${NOTO_DIR}/NotoSerifCJK-Regular.ttc`, name: 'NotoSerifCJKsc-Regular' };
const DEFAULT_BOLD_FONT = { path: `${NOTO_DIR}/NotoSerifCJK-Bold.ttc`, name: 'NotoSerifCJKsc-Bold' };

export interface FontChoice {
  path: string;
  /** The PostScript name of the font inside a collection (.ttc); unset for a single-font file. */
  name?: string;
  /** The environment variable that chose it, for the error that names it. */
  variable: string;
}

/** The body font: PDF_FONT (and PDF_FONT_NAME), else Noto Serif CJK SC. */
export function bodyFont(env: NodeJS.ProcessEnv = process.env): FontChoice {
  if (env.PDF_FONT) return { path: env.PDF_FONT, name: env.PDF_FONT_NAME || undefined, variable: 'PDF_FONT' };
  return { ...DEFAULT_FONT, name: env.PDF_FONT_NAME || DEFAULT_FONT.name, variable: 'PDF_FONT' };
}

/** The heading font: PDF_FONT_BOLD, else the bold Noto Serif CJK SC where installed, else none (headings use the body font). */
export function headingFont(env: NodeJS.ProcessEnv = process.env): FontChoice | undefined {
  if (env.PDF_FONT_BOLD) return { path: env.PDF_FONT_BOLD, name: env.PDF_FONT_BOLD_NAME || undefined, variable: 'PDF_FONT_BOLD' };
  if (env.PDF_FONT) return undefined;
  return fs.existsSync(DEFAULT_BOLD_FONT.path) ? { ...DEFAULT_BOLD_FONT, variable: 'PDF_FONT_BOLD' } : undefined;
}

/** Font files are tens of MB: each is read once per process. */
const fontFiles = new Map<string, Buffer>();

function fontFile(font: FontChoice): Buffer {
  let bytes = fontFiles.get(font.path);
  if (!bytes) {
    try {
      bytes = fs.readFileSync(font.path);
    } catch (err) {
      throw new HttpError(
        503,
        'pdf_font_missing',
        `the CJK font for PDF documents is missing: ${font.path} (${font.variable}) cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); install Debian's fonts-noto-cjk or set ${font.variable} to a TTF, OTF or TTC file with Chinese glyphs`,
      );
    }
    fontFiles.set(font.path, bytes);
  }
  return bytes;
}

/** Registers the font under `as`; a file that holds no such font is named in the error, with the variable to fix. */
function registerFont(doc: PDFKit.PDFDocument, as: string, font: FontChoice): void {
  try {
    doc.registerFont(as, fontFile(font), font.name);
    // pdfkit opens the font on first use: do it now, so a bad file fails here with its name.
    doc.font(as);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const face = font.name ? `the font ${font.name} (${font.variable}_NAME)` : `a single font (a .ttc collection needs ${font.variable}_NAME, the PostScript name of one of its fonts)`;
    throw new HttpError(503, 'pdf_font_missing', `the PDF font file ${font.path} (${font.variable}) does not hold ${face}: ${(err as Error).message}`);
  }
}

export const BODY = 'body';
export const HEADING = 'heading';

/** An A4 document with the CJK fonts registered as BODY and HEADING, and its metadata. */
export function cjkDocument(info: { title: string; subject?: string; author: string }): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: 'A4',
    // GB/T 9704 margins, roughly: 37 mm top, 28 mm left, 26 mm right.
    margins: { top: 90, bottom: 72, left: 80, right: 72 },
    lang: 'zh-CN',
    // pdfkit reads every key given (an undefined Subject would fail it), so only those with a value.
    info: { Title: info.title, Author: info.author, Creator: 'shandong-coord', ...(info.subject ? { Subject: info.subject } : {}) },
    displayTitle: true,
  });
  const heading = headingFont();
  registerFont(doc, BODY, bodyFont());
  registerFont(doc, HEADING, heading ?? bodyFont());
  doc.font(BODY);
  return doc;
}

/** Ends the document and gives its bytes: documents are a page or a few, so they are answered whole, with their length. */
export function pdfBytes(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

/** The content width between the margins. */
export function contentWidth(doc: PDFKit.PDFDocument): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'center' | 'right';
}

/**
 * A ruled table from the current position: cells wrap, rows grow to their
 * tallest cell, and a row that does not fit starts a new page under the
 * header again.
 */
export function table(doc: PDFKit.PDFDocument, columns: Column[], rows: string[][], opts: { fontSize?: number } = {}): void {
  const size = opts.fontSize ?? 10;
  const pad = 4;
  const left = doc.page.margins.left;
  const rowHeight = (cells: string[]) =>
    Math.max(...cells.map((text, i) => doc.heightOfString(text || ' ', { width: (columns[i]?.width ?? 0) - 2 * pad }))) + 2 * pad;
  const drawRow = (cells: string[], font: string) => {
    doc.font(font).fontSize(size);
    const h = rowHeight(cells);
    if (doc.y + h > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      if (font === BODY) drawRow(columns.map((c) => c.header), HEADING);
      doc.font(font).fontSize(size);
    }
    const top = doc.y;
    let x = left;
    cells.forEach((text, i) => {
      const col = columns[i] as Column;
      doc.rect(x, top, col.width, h).lineWidth(0.5).stroke('#444444');
      doc.fillColor('black').text(text, x + pad, top + pad, { width: col.width - 2 * pad, align: col.align ?? 'left' });
      x += col.width;
    });
    doc.x = left;
    doc.y = top + h;
  };
  drawRow(columns.map((c) => c.header), HEADING);
  for (const row of rows) drawRow(row, BODY);
  doc.font(BODY);
}

/** The Content-Disposition of a download: an ASCII name for old clients, the Chinese one (RFC 5987) for the rest. */
export function attachment(asciiName: string, chineseName: string): string {
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(chineseName)}`;
}
