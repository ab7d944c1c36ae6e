import type { Locator, Page } from 'playwright-core';
import * as d from '../../workflows/definitions';
import { PASSWORD, USERS } from '../helpers/api-users';
import { CJK_FONT, DESKTOP, PHONE, apiAs, apiSignIn, apiWithToken, button, log, look, platformFonts, settle, startConsole, type ConsoleHarness, type User } from '../helpers/browser';
import { eventually } from '../helpers/wait';

/**
 * The console as its users use it, in headless chromium against the real app,
 * Temporal and PostgreSQL: the secretariat assigns, the department
 * acknowledges and reports, the secretariat returns and accepts, a silent item
 * climbs the ladder under a compressed clock onto the leadership board, the
 * leader's 批示 reaches the department's inbox, and a department cannot open
 * another's item; then the administrator resets a password and disables and
 * re-enables a user, and a department user changes their own password. Every page visited is checked with axe-core and saved as a
 * screenshot under test-output/screenshots/.
 *
 * The steps depend on each other and run in order; each is its own test so a
 * failing step names itself.
 */
const PLAN = 'sd-internet-plus-2016-2018';
const FIRST = { code: 'A01-1', title: '推广开放式研发设计' };
const SECOND = { code: 'A01-2', title: '发展大规模个性化定制' };
/** The items start on the 2016 plan's own timeline, which the compressed clock runs from. */
const START_DATE = '2016-04-01';
/**
 * Two seconds a working day: the silent item's acknowledgement is due in 3
 * working days and its top rung (上报领导小组) comes 5 later, so its ladder is
 * complete about 20 s after assignment, while the first item's quarterly
 * report (2016-04-01 to 06-30) falls due only some 65 working days (over two
 * minutes) on, later than its steps take in the browser.
 */
const WORKING_DAY_MS = Number(process.env.BROWSER_WORKING_DAY_MS ?? 2000);

jest.setTimeout(180_000);

describe('the web console in a real browser', () => {
  let h: ConsoleHarness;
  const pages: Partial<Record<User, Page>> = {};
  const started = Date.now();

  /** One signed-in browser per user, kept across steps as a person keeps a tab open. */
  const as = async (who: User): Promise<Page> => (pages[who] ??= await h.signedIn(who));
  /** A page of the console, signed in: the console's frame must be there, or a refusal would pass for the wrong reason. */
  const open = async (page: Page, route: string, shot: string) => {
    await page.goto(route);
    await button(page, '退出登录').waitFor();
    await look(h, page, shot);
  };
  const escalations = (itemCode: string) =>
    h.db('escalations as e').join('assignments as a', 'a.id', 'e.assignment_id').where('a.workflow_id', d.itemWorkflowId(PLAN, itemCode)).orderBy('e.id').select('e.rung', 'e.subject') as Promise<{ rung: string; subject: string }[]>;
  const periodOf = (itemCode: string, seq = 1) =>
    h.db('periods as p').join('assignments as a', 'a.id', 'p.assignment_id').where({ 'a.workflow_id': d.itemWorkflowId(PLAN, itemCode), 'p.seq': seq }).first('p.status') as Promise<{ status: string } | undefined>;

  /**
   * The new due date of a returned report. The return form offers dates from
   * the real today on (the compressed timeline is a test's, not a user's), so
   * the date is five working days after the real today, by the API's calendar.
   */
  const newDueDate = async () => {
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const res = await apiAs(h, 'secretariat', 'get', `/calendar/add-working-days?from=${today}&days=5`);
    if (res.status !== 200) throw new Error(`no working day after ${today} in the loaded calendar: ${res.text}`);
    return res.body.date as string;
  };

  beforeAll(async () => {
    h = await startConsole('browser', { workingDayMs: WORKING_DAY_MS });
  }, 600_000);
  afterAll(async () => {
    for (const code of [FIRST.code, SECOND.code]) await h?.temporal.client.workflow.getHandle(d.itemWorkflowId(PLAN, code)).terminate('test over').catch(() => undefined);
    await h?.close();
    log.info({ seconds: Math.round((Date.now() - started) / 1000), pagesChecked: h?.findings.visited.length }, 'browser suite finished');
  });

  test('sign-in page: Chinese text in CJK glyphs (no tofu), required fields named in Chinese', async () => {
    const page = await h.anonymous(DESKTOP);
    await page.goto('/login');
    await look(h, page, 'page-login');
    const fonts = await platformFonts(page, 'h1');
    log.info({ fonts }, 'fonts chromium used for the sign-in title');
    expect(fonts.some((f) => CJK_FONT.test(f.familyName))).toBe(true);
    await button(page, '登录').click();
    await page.getByText('请输入用户名').waitFor();
    const phone = await h.anonymous(PHONE);
    await phone.goto('/login');
    await look(h, phone, 'page-phone-login');
  });

  test('1. the secretariat assigns two items', async () => {
    const page = await as('secretariat');
    await open(page, '/assign', 'step1-secretariat-assign');
    for (const item of [FIRST, SECOND]) await page.getByRole('checkbox', { name: `选择 ${item.code} ${item.title}` }).check();
    // The plan's proposal is filled in: 省经济和信息化委 leads both.
    for (const item of [FIRST, SECOND]) await page.locator('form#assign tbody tr', { hasText: item.code }).getByText('省经济和信息化委').waitFor();
    await page.locator('form#assign tbody tr', { hasText: FIRST.code }).getByText('省科技厅').waitFor();
    // The 2016 plan's own timeline: the compressed clock runs from this start date.
    await pickDate(page.locator('form#assign'), '开始日期', START_DATE);
    await look(h, page, 'step1-secretariat-assign-selected');
    await button(page, '交办所选 2 项').click();
    const result = page.getByRole('status').filter({ hasText: '交办结果' });
    for (const item of [FIRST, SECOND]) await result.locator('li', { hasText: item.code }).filter({ hasText: '成功' }).filter({ hasNotText: '未成功' }).waitFor();
    expect(await result.getByText('未成功').count()).toBe(0);
    await look(h, page, 'step1-secretariat-assign-done');
    for (const item of [FIRST, SECOND]) {
      await eventually(() => h.db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, item.code) }).first('status'), (a) => a !== undefined, 15_000, `assignment of ${item.code}`);
    }
  });

  test('2. the department acknowledges the first item and reports on it; the secretariat returns the report', async () => {
    const dept = await as('lead-dept');
    await open(dept, '/my-items', 'step2-department-my-items');
    await button(rowOf(dept, FIRST.code), '签收').click();
    await rowOf(dept, FIRST.code).getByText('已签收').waitFor();
    await eventually(() => periodOf(FIRST.code), (p) => p?.status === 'open', 15_000, 'period 1 open');
    await button(rowOf(dept, FIRST.code), '进展报送').click();
    await dept.waitForURL(/\/report/);
    await look(h, dept, 'step2-department-report-form');
    const phone = await h.signedIn('lead-dept', PHONE);
    await open(phone, `/items/${PLAN}/${FIRST.code}/report`, 'step2-phone-department-report-form');
    await expectFitsWidth(phone);
    // A required field left empty is named next to the field, in Chinese.
    await button(dept, '报送进展').click();
    await dept.getByText('请填写进展情况').waitFor();
    await fillReport(dept, { progress: '已完成开放式研发设计平台的需求调研。', percent: '30', problems: '部分企业数据接口尚未开放。', next: '下月完成平台选型。' });
    await button(dept, '报送进展').click();
    await dept.getByText('已报送第1期进展').first().waitFor();
    await look(h, dept, 'step2-department-item-after-report');

    const sec = await as('secretariat');
    await open(sec, '/review', 'step2-secretariat-review');
    await button(rowOf(sec, FIRST.code), '退回').click();
    const dialog = sec.getByRole('dialog');
    await pickDate(dialog, '重新报送期限', await newDueDate());
    await dialog.getByLabel('退回意见').fill('请补充平台选型的时间安排和责任人。');
    await look(h, sec, 'step2-secretariat-review-return-dialog');
    await button(dialog, '退回').click();
    await sec.getByText('已退回,待牵头单位重新报送').waitFor();
    await eventually(() => periodOf(FIRST.code), (p) => p?.status === 'returned', 15_000, 'period 1 returned');
  });

  test('3. the department reports again (pre-filled from its last report) and the report is accepted', async () => {
    const dept = await as('lead-dept');
    await open(dept, '/inbox', 'step3-department-inbox');
    await dept.getByText(`【退回】${FIRST.title}`).first().waitFor();
    // The returned period's entry: should the next period have opened meanwhile, it is listed too.
    await button(dept.locator('li', { hasText: FIRST.title }).filter({ hasText: '已退回' }), '进展报送').click();
    await dept.waitForURL(/\/report/);
    await settle(dept);
    await dept.getByText('上次报送被退回').waitFor();
    await expectValue(dept, '进展情况', '已完成开放式研发设计平台的需求调研。');
    await look(h, dept, 'step3-department-report-form-returned');
    await fillReport(dept, { progress: '已完成需求调研,平台选型由省经济和信息化委负责,5月底前完成。', percent: '40' });
    await button(dept, '报送进展').click();
    await dept.getByText('已报送第1期进展(第2版)').first().waitFor();

    const sec = await as('secretariat');
    await open(sec, '/review', 'step3-secretariat-review-second');
    await button(rowOf(sec, FIRST.code), '通过').click();
    const dialog = sec.getByRole('dialog');
    await dialog.getByLabel('审核意见').fill('同意。');
    await button(dialog, '通过').click();
    await sec.getByText('已审核通过').waitFor();
    await eventually(() => periodOf(FIRST.code), (p) => p?.status === 'accepted', 15_000, 'period 1 accepted');
    await open(sec, `/items/${PLAN}/${FIRST.code}`, 'step3-item-detail-secretariat');
    await sec.getByText('已通过').first().waitFor();
  });

  test('4. the second item stays silent; its rungs appear on the leadership board', async () => {
    await eventually(() => escalations(SECOND.code), (r) => r.some((e) => e.rung === 'leading-group'), 60_000, `the top rung of ${SECOND.code}`);
    const leader = await as('leadership');
    await open(leader, '/escalations', 'step4-leadership-escalations');
    // Each rung the silent item reached is a row of its own, in the users' words, never a code.
    for (const rung of ['催办', '督办', '上报领导小组']) {
      await leader.locator('tbody tr', { hasText: SECOND.code }).filter({ hasText: rung }).filter({ hasText: '逾期未签收' }).first().waitFor();
    }
    expect(await leader.getByText(/\b(cuiban|duban|leading-group|acknowledgement)\b/).count()).toBe(0);
  });

  test('5. the leader writes a 批示 and the department sees it in its inbox', async () => {
    const text = '请省经济和信息化委抓紧签收,一周内报送推进情况。';
    const leader = await as('leadership');
    await button(rowOf(leader, SECOND.code), '批示').click();
    const dialog = leader.getByRole('dialog');
    await dialog.getByLabel('批示内容').fill(text);
    await look(h, leader, 'step5-leadership-instruction-dialog');
    await button(dialog, '提交').click();
    await leader.getByText('批示已送达').first().waitFor();

    const dept = await as('lead-dept');
    await eventually(() => h.db('notifications').where({ kind: 'instruction' }).first('id'), (n) => n !== undefined, 15_000, 'the 批示 notification');
    await open(dept, '/inbox', 'step5-department-inbox-instruction');
    await dept.getByText(text).first().waitFor();
  });

  test("6. a department user opening another department's item sees 无权访问 or 不存在, never the item", async () => {
    const other = await as('other-dept');
    await open(other, `/items/${PLAN}/${FIRST.code}`, 'step6-other-department-item-refused');
    await other.getByText(/无权访问|不存在/).first().waitFor();
    expect(await other.getByText(FIRST.title).count()).toBe(0);
    expect(await other.getByText('已完成需求调研').count()).toBe(0);
    // A page of another role is refused the same way.
    await open(other, '/board', 'step6-other-department-board-refused');
    await other.getByText('无权访问').first().waitFor();
    expect(await other.getByText('红黄绿灯').count()).toBe(0);
  });

  test('every page of every role, and the phone-width inbox and report form', async () => {
    const routes: Record<User, string[]> = {
      secretariat: ['/board', '/assign', '/review', '/scorecard', '/digests', `/items/${PLAN}/${SECOND.code}`, '/account/password'],
      'lead-dept': ['/my-items', '/inbox', `/items/${PLAN}/${FIRST.code}`, '/account/password'],
      leadership: ['/escalations', '/digests', `/items/${PLAN}/${SECOND.code}`, '/account/password'],
      admin: ['/admin/users', '/admin/departments', '/admin/calendar', '/account/password'],
      'coop-dept': [],
      'other-dept': [],
    };
    const missing: string[] = [];
    for (const who of Object.keys(routes) as User[]) {
      const page = await as(who);
      const listed = await menuRoutes(page);
      for (const route of [...new Set([...routes[who], ...listed])]) {
        await open(page, route, `page-${who}${route.replace(/[/:]+/g, '-')}`);
        if (await page.getByText('页面不存在').count()) missing.push(`${who} ${route}`);
      }
    }
    const phone = await h.signedIn('lead-dept', PHONE);
    await open(phone, '/inbox', 'page-phone-lead-dept-inbox');
    await expectFitsWidth(phone);
    expect(missing).toEqual([]);

    // Sign-out ends the session: the console's pages send the user back to sign-in.
    const leaving = await as('other-dept');
    await button(leaving, '退出登录').click();
    await leaving.waitForURL(/\/login$/);
    await leaving.goto('/my-items');
    await leaving.waitForURL(/\/login$/);
  });

  test("accounts: the administrator resets a department user's password and disables and re-enables another user; the user changes their own password", async () => {
    const reset = USERS['coop-dept'].username;
    const other = USERS['other-dept'].username;
    const usersRow = async (username: string) => ((await apiAs(h, 'admin', 'get', '/users')).body.users as { username: string; disabled: boolean }[]).find((u) => u.username === username);
    // A tab the department user keeps open: the reset must end its session too.
    const resetTab = await as('coop-dept');
    await resetTab.goto('/my-items');
    await button(resetTab, '退出登录').waitFor();
    expect((await apiAs(h, 'coop-dept', 'get', '/auth/me')).status).toBe(200);

    const admin = await as('admin');
    await open(admin, '/admin/users', 'admin-users-actions');
    // An administrator cannot disable themself: the API refuses, the console says so.
    await admin.getByRole('button', { name: `停用用户 ${USERS.admin.username}` }).click();
    await confirmIn(admin, `停用用户 ${USERS.admin.username}`, '停用');
    await admin.getByText('不能停用自己的账号').first().waitFor();
    expect((await usersRow(USERS.admin.username))?.disabled).toBe(false);

    // Disabled: the user cannot sign in; enabled again: they can.
    await admin.getByRole('button', { name: `停用用户 ${other}` }).click();
    await admin.getByRole('dialog').filter({ hasText: `停用用户 ${other}` }).waitFor();
    await look(h, admin, 'admin-users-disable-confirm');
    await confirmIn(admin, `停用用户 ${other}`, '停用');
    await rowOf(admin, other).getByText('已停用').waitFor();
    await look(h, admin, 'admin-users-disabled');
    expect((await usersRow(other))?.disabled).toBe(true);
    expect((await apiSignIn(h, 'other-dept', PASSWORD)).status).toBe(401);
    await admin.getByRole('button', { name: `启用用户 ${other}` }).click();
    await confirmIn(admin, `启用用户 ${other}`, '启用');
    await rowOf(admin, other).getByText('正常').waitFor();
    expect((await usersRow(other))?.disabled).toBe(false);
    expect((await apiSignIn(h, 'other-dept', PASSWORD)).status).toBe(200);

    // The reset: the form checks length and the second entry; a generated password is shown once, after the reset.
    await admin.getByRole('button', { name: `重置密码 ${reset}` }).click();
    const form = admin.getByRole('dialog').filter({ hasText: `重置密码:${reset}` });
    await form.getByLabel('新密码', { exact: true }).fill('too short');
    await form.getByLabel('确认新密码', { exact: true }).fill('something else');
    await button(form, '重置密码').click();
    await fieldError(form, '新密码', '至少10个字符').waitFor();
    await fieldError(form, '确认新密码', '两次输入的新密码不一致').waitFor();
    await button(form, '生成随机密码').click();
    await form.getByText('已填入随机密码').waitFor();
    await look(h, admin, 'admin-users-reset-password');
    await button(form, '重置密码').click();
    const result = admin.getByRole('dialog').filter({ hasText: '密码已重置' });
    const generated = (await result.locator('code').innerText()).trim();
    expect(generated).toMatch(/^[A-Za-z0-9]{16}$/);
    await result.getByText(/该用户的\d+个登录已结束/).waitFor();
    await look(h, admin, 'admin-users-reset-result');
    await button(result, '我已记下').click();
    await result.waitFor({ state: 'hidden' });
    // The old password and the old sessions are over; the new password signs in.
    expect((await apiAs(h, 'coop-dept', 'get', '/auth/me')).status).toBe(401);
    expect((await apiSignIn(h, 'coop-dept', PASSWORD)).status).toBe(401);
    const second = await apiSignIn(h, 'coop-dept', generated);
    expect(second.status).toBe(200);
    await resetTab.goto('/my-items');
    await resetTab.waitForURL(/\/login$/);

    // The department user signs in with it and changes it, from the header, through the console.
    const dept = await h.signedIn('coop-dept', DESKTOP, generated);
    await button(dept, '修改密码').click();
    await dept.waitForURL(/\/account\/password$/);
    await look(h, dept, 'change-password');
    const current = dept.getByLabel('当前密码', { exact: true });
    const fresh = dept.getByLabel('新密码', { exact: true });
    const again = dept.getByLabel('确认新密码', { exact: true });
    await current.fill(generated);
    await fresh.fill('too short');
    await again.fill('something else');
    await button(dept, '确认修改').click();
    await fieldError(dept, '新密码', '至少10个字符').waitFor();
    await fieldError(dept, '确认新密码', '两次输入的新密码不一致').waitFor();
    // The API's objection to the current password is shown next to that field.
    const chosen = 'my own new secret 2016';
    await current.fill('not my password');
    await fresh.fill(chosen);
    await again.fill(chosen);
    await button(dept, '确认修改').click();
    await fieldError(dept, '当前密码', '当前密码不正确').waitFor();
    await look(h, dept, 'change-password-wrong-current');
    await current.fill(generated);
    await button(dept, '确认修改').click();
    // The session the API signed in with after the reset is the one other session, and it ends; this one is kept.
    await dept.getByRole('status').filter({ hasText: '密码已修改' }).filter({ hasText: '其他浏览器或设备上的1个登录已结束' }).waitFor();
    await look(h, dept, 'change-password-done');
    expect((await apiWithToken(h, second.body.token as string, 'get', '/auth/me')).status).toBe(401);
    expect((await apiSignIn(h, 'coop-dept', generated)).status).toBe(401);
    expect((await apiSignIn(h, 'coop-dept', chosen)).status).toBe(200);
    await dept.goto('/my-items');
    await button(dept, '退出登录').waitFor();
    expect(new URL(dept.url()).pathname).toBe('/my-items');
  });

  test('no serious or critical accessibility finding on any page visited, and no uncaught error in any page', () => {
    log.info({ pages: h.findings.visited }, 'pages checked with axe-core');
    expect(h.findings.report()).toBe('');
    expect(h.findings.pageErrors).toEqual([]);
  });

  test('no page shows a code or an English word where the users\' own words belong, and every page title is drawn in a CJK font', () => {
    expect(h.findings.tofu).toEqual([]);
    expect(h.findings.untranslatedReport()).toEqual([]);
  });
});

/**
 * Confirms the dialog whose text has `title` with its `ok` button, and waits for it to close. On a loaded
 * machine a click that lands while the dialog is still zooming in can be lost (seen once in CI): as a user
 * would, it clicks again while the dialog stays open and its button is not already working.
 */
async function confirmIn(page: Page, title: string, ok: string): Promise<void> {
  const dialog = page.getByRole('dialog').filter({ hasText: title });
  for (let attempt = 1; ; attempt++) {
    const okButton = button(dialog, ok);
    if (!(await okButton.getAttribute('class').catch(() => ''))?.includes('ant-btn-loading')) await okButton.click({ timeout: 5_000 }).catch(() => undefined);
    try {
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

/** The error a form shows under the field labelled `field` (exactly), with `text`. */
function fieldError(scope: Page | Locator, field: string, text: string): Locator {
  // The inner locator of `has` is matched inside the form item: from the page, not from `scope`.
  const page = 'page' in scope ? scope.page() : scope;
  return scope.locator('.ant-form-item', { has: page.getByLabel(field, { exact: true }) }).locator('.ant-form-item-explain-error', { hasText: text });
}

/** The table row (or list entry) that names an item. */
function rowOf(page: Page, text: string) {
  return page.locator('tbody tr, .ant-list-item, li', { hasText: text }).first();
}

async function fillReport(page: Page, r: { progress: string; percent: string; problems?: string; next?: string }): Promise<void> {
  await page.getByLabel('进展情况').fill(r.progress);
  await page.getByLabel(/完成比例/).fill(r.percent);
  if (r.problems) await page.getByLabel(/存在问题/).fill(r.problems);
  if (r.next) await page.getByLabel(/下步打算/).fill(r.next);
}

async function expectValue(page: Page, field: string, value: string): Promise<void> {
  const input = page.getByLabel(new RegExp(field)).first();
  await input.waitFor();
  expect(await input.inputValue()).toBe(value);
}

/**
 * An Ant Design date picker: the date typed (the calendar turns to its month)
 * and its day clicked. Enter would confirm it too, but in a form it also
 * submits the form before the user is done.
 */
async function pickDate(scope: Locator, field: string, date: string): Promise<void> {
  const input = scope.getByLabel(field, { exact: true });
  await input.click();
  await input.fill(date);
  await scope.page().locator(`.ant-picker-dropdown:visible td[title="${date}"]`).click();
  await scope.page().locator('.ant-picker-dropdown:visible').waitFor({ state: 'hidden' });
  expect(await input.inputValue()).toBe(date);
}

/** The routes the signed-in user's menu offers. */
async function menuRoutes(page: Page): Promise<string[]> {
  await page.goto('/');
  await settle(page);
  return page.locator('.ant-menu-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-menu-id')?.replace(/^.*?(?=\/)/, '') ?? '').filter((r) => r.startsWith('/')));
}

/** At phone width nothing may need sideways scrolling. */
async function expectFitsWidth(page: Page): Promise<void> {
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
  expect(overflow).toBeLessThanOrEqual(0);
}
