import type ExcelJS from 'exceljs';

/** The look of the office's workbooks (台账, 年度考核): thin borders on every table cell, a grey header row. */
const THIN = { style: 'thin' } as const;
export const BORDER: Partial<ExcelJS.Borders> = { top: THIN, left: THIN, bottom: THIN, right: THIN };
export const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9D9D9' } };

/** A header cell: bold on grey, bordered, centred; a narrow column wraps its header rather than widen. */
export function headerCell(cell: ExcelJS.Cell, header: string): void {
  cell.value = header;
  cell.font = { bold: true };
  cell.fill = HEADER_FILL;
  cell.border = BORDER;
  cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
}
