import { scheduleText } from '../../domain/progress-schedule';
import type { Digest } from '../../domain/digest';
import { shanghaiDate } from '../../domain/clock';
import { changeWords, comparedWith } from '../../domain/digest-change';
import { chineseDate, STATUS_WORDS, wordFor } from '../../domain/words';
import { chaseSubject } from '../../domain/chase-words';
import { RUNG_LABELS } from '../../workflows/definitions';
import { BODY, HEADING, cjkDocument, contentWidth, pdfBytes, table, type Column } from './pdf';

/**
 * The weekly digest (domain/digest.ts) as the leading group prints it:
 * totals, by key action, by lead department (with how each moved since the
 * previous digest, where there is one), and the open chases, in words.
 * A digest is stored as it was built, so older rows may lack a part: what is
 * missing prints as nothing rather than failing.
 */

type StoredDigest = Partial<Digest> & Pick<Digest, 'key' | 'weekOf'>;

/** 0.875 -> 87.5%; no accepted period -> a dash. */
function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 1000) / 10}%`;
}

function statesText(byStatus: Record<string, number> | undefined): string {
  const parts = Object.keys(STATUS_WORDS)
    .filter((s) => byStatus?.[s])
    .map((s) => `${wordFor(STATUS_WORDS, s)}${byStatus?.[s]}项`);
  return parts.join('、');
}

function section(doc: PDFKit.PDFDocument, title: string): void {
  doc.moveDown(0.8);
  doc.font(HEADING).fontSize(14).text(title);
  doc.moveDown(0.3);
  doc.font(BODY).fontSize(12);
}

/** Columns sized to the page: the first takes what the fixed ones leave. */
function columns(doc: PDFKit.PDFDocument, first: string, rest: [string, number][]): Column[] {
  const fixed = rest.reduce((w, [, width]) => w + width, 0);
  return [{ header: first, width: contentWidth(doc) - fixed }, ...rest.map(([header, width]) => ({ header, width, align: 'center' as const }))];
}

export async function digestPdf(digest: StoredDigest): Promise<Buffer> {
  const week = chineseDate(digest.weekOf);
  const doc = cjkDocument({ title: `推进情况周报(${week}当周)`, author: '领导小组办公室' });

  doc.font(HEADING).fontSize(22).text('推进情况周报', { align: 'center' });
  doc.moveDown(0.3);
  const generated = digest.generatedAt ? `,${chineseDate(shanghaiDate(Date.parse(digest.generatedAt)))}生成` : '';
  doc.font(BODY).fontSize(12).text(`${week}当周${generated}`, { align: 'center' });

  const totals = digest.totals;
  section(doc, '一、总体情况');
  if (totals) {
    const states = statesText(totals.byStatus);
    doc.text(`交办事项${totals.items}项:红灯${totals.red}项、黄灯${totals.yellow}项、绿灯${totals.green}项。${states ? `按状态:${states}。` : ''}`, { indent: 24, lineGap: 4 });
  }
  const open = digest.openEscalations ?? [];
  doc.text(`未解除的催督办${open.length}项。`, { indent: 24, lineGap: 4 });

  section(doc, '二、按重点行动');
  table(
    doc,
    columns(doc, '重点行动/保障措施', [['事项', 44], ['红灯', 44], ['黄灯', 44], ['绿灯', 44], ['已办结', 50]]),
    (digest.byAction ?? []).map((a) => [a.title, String(a.items), String(a.red), String(a.yellow), String(a.green), String(a.byStatus?.completed ?? 0)]),
  );

  section(doc, '三、按牵头单位');
  table(
    doc,
    columns(doc, '牵头单位', [['事项', 34], ['红灯', 34], ['黄灯', 34], ['绿灯', 34], ['未解除催督办', 46], ['审核通过期数', 46], ['按时报送率(含延期)', 56], ['按时报送率(原定时限)', 56]]),
    (digest.byDepartment ?? []).map((d) => [
      d.name,
      String(d.items),
      String(d.red),
      String(d.yellow),
      String(d.green),
      d.openEscalations === undefined ? '—' : String(d.openEscalations),
      String(d.acceptedPeriods ?? 0),
      percent(d.onTimeRate),
      percent(d.onTimeRateOriginal),
    ]),
    { fontSize: 9 },
  );
  if (digest.previousWeekOf) {
    // Each department against its own previous week, as the notice says it: no ranking.
    doc.moveDown(0.5);
    doc.font(BODY).fontSize(11).text(`${comparedWith(digest.weekOf, digest.previousWeekOf)}(${chineseDate(digest.previousWeekOf)}当周):`, { indent: 24 });
    for (const d of digest.byDepartment ?? []) doc.text(`${d.name}:${d.change ? changeWords(d.change) : '新列入'}。`, { indent: 24, lineGap: 2 });
  }

  section(doc, '四、未解除的催督办');
  if (open.length) {
    const names = new Map((digest.byDepartment ?? []).map((d) => [d.code, d.name]));
    table(
      doc,
      columns(doc, '事项', [['牵头单位', 90], ['事由', 90], ['层级', 70], ['起始日期', 80]]),
      open.map((e) => [
        e.title,
        names.get(e.lead) ?? '—',
        chaseSubject(e),
        wordFor(RUNG_LABELS, e.rung),
        chineseDate(e.businessDate),
      ]),
      { fontSize: 9 },
    );
  } else {
    doc.text('无。', { indent: 24 });
  }

  // Digests stored before 序时进度 existed have no such list: the section is left out, not shown empty.
  if (digest.behindSchedule) {
    section(doc, '五、序时进度滞后的事项');
    const behind = digest.behindSchedule;
    if (behind.length) {
      const names = new Map((digest.byDepartment ?? []).map((d) => [d.code, d.name]));
      table(
        doc,
        columns(doc, '事项', [['牵头单位', 90], ['截至', 80], ['序时进度', 150]]),
        behind.map((b) => [b.title, names.get(b.lead) ?? '—', chineseDate(b.asOf), scheduleText({ ...b, behind: true })]),
        { fontSize: 9 },
      );
    } else {
      doc.text('无。', { indent: 24 });
    }
  }
  return pdfBytes(doc);
}
