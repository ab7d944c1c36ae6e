import { chineseDate } from '../../domain/words';
import { noticeAction, noticeFinding, noticeRequirement } from '../../domain/supervision-notice';
import type { SupervisionNotice } from '../../db/supervision-notices';
import { RUNG_LABELS } from '../../workflows/definitions';
import { BODY, HEADING, cjkDocument, contentWidth, pdfBytes, table } from './pdf';

/** 红头: the colour of an official document's masthead and rule. */
const RED = '#C00000';

/** The due date's name on the notice, by what is overdue. */
const DUE_LABELS: Record<SupervisionNotice['subject'], string> = { acknowledgement: '应签收日期', report: '应报送日期', final: '完成时限', instruction: '应反馈日期' };

/**
 * The office as its masthead and signature name it: "(设在省发展改革委)" and
 * the like say where the office sits, which a plan file notes but a document
 * does not print.
 */
export function officeName(issuer: string): string {
  return issuer.replace(/\s*[((][^()()]*[))]\s*$/, '') || issuer;
}

/**
 * One 督办单, printable: the office's red masthead with the 文号 under it,
 * the addressee, what is overdue and what is required, the facts as a table,
 * the office and the date. Drawn from the notice's stored facts only, so the
 * same notice prints the same however often it is downloaded.
 */
export async function supervisionNoticePdf(n: SupervisionNotice): Promise<Buffer> {
  const office = officeName(n.issuer);
  const doc = cjkDocument({ title: `督办单 ${n.docNumber}`, subject: n.itemTitle, author: office });
  const width = contentWidth(doc);
  const left = doc.page.margins.left;

  doc.font(HEADING).fontSize(office.length > 18 ? 20 : 24).fillColor(RED).text(office, { align: 'center' });
  doc.moveDown(0.6);
  doc.font(BODY).fontSize(14).fillColor('black').text(n.docNumber, { align: 'center' });
  doc.moveDown(0.3);
  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(1.5).stroke(RED);
  doc.moveDown(1.2);

  doc.font(HEADING).fontSize(22).text('督 办 单', { align: 'center' });
  if (n.rung === 'leading-group') doc.font(BODY).fontSize(14).text('(通报并上报领导小组)', { align: 'center' });
  doc.moveDown(1);

  doc.font(BODY).fontSize(14).text(`${n.departmentName}:`);
  doc.moveDown(0.3);
  doc.text(`${noticeFinding(n)}${noticeAction(n)}${noticeRequirement(n)}`, { indent: 28, lineGap: 6, align: 'justify' });
  doc.moveDown(1);

  const labelWidth = 110;
  table(
    doc,
    [
      { header: '项目', width: labelWidth },
      { header: '内容', width: width - labelWidth },
    ],
    [
      ['事项编号', n.itemCode],
      ['事项名称', n.itemTitle],
      ['牵头单位', n.departmentName],
      [DUE_LABELS[n.subject], chineseDate(n.dueOn)],
      ['逾期情况', `截至${chineseDate(n.businessDate)}已逾期${n.overdueWorkingDays}个工作日`],
      ['督办层级', RUNG_LABELS[n.rung]],
      ['办理时限', `${n.respondWithinWorkingDays}个工作日内`],
    ],
    { fontSize: 12 },
  );
  doc.moveDown(2);

  // Signature and date on the right, as an official document signs.
  doc.font(BODY).fontSize(14).text(office, { align: 'right' });
  doc.moveDown(0.3);
  doc.text(chineseDate(n.businessDate), { align: 'right' });
  return pdfBytes(doc);
}
