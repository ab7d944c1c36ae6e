import YAML from 'yaml';
import { importPlan } from '../db/catalog/import';
import { parsePlanText, PlanValidationError, readPlanFile } from '../db/catalog/plan-file';
import { migrateLatest, type Db } from '../db/connection';
import { createTestDatabase } from './helpers/db';
import { defaultPlanData, defaultPlanFile } from './helpers/plans';

// The plan's own wording (解读, part 三(二) and 三(三)), in the plan's order.
const ACTIONS = ['互联网+制造', '互联网+农业', '互联网+能源', '互联网+金融', '互联网+民生', '互联网+物流', '互联网+商务', '互联网+交通', '互联网+环保', '互联网+政务'];
const TASKS: Record<string, string[]> = {
  '互联网+制造': ['推广开放式研发设计', '发展大规模个性化定制', '大力推进智能制造', '加快提升产业链协同水平', '加速制造业服务化转型'],
  '互联网+农业': ['推进农业生产精准化智能化', '加快农业经营模式创新', '提升农业高效管理与服务水平'],
  '互联网+能源': ['推进能源生产智能化', '加快坚强智能电网建设', '促进分布式能源网络发展', '强化智慧能源服务'],
  '互联网+金融': ['支持金融机构开发互联网业务', '加大互联网金融企业培育力度', '规范发展网络借贷服务', '开展互联网私募股权融资试点', '营造互联网金融良好发展环境'],
  '互联网+民生': ['推广医疗卫生在线服务新模式', '推进食品药品安全智慧监管', '构建智慧教育新模式', '完善智慧健康养老服务体系', '创新旅游发展模式'],
  '互联网+物流': ['培育建设现代化智能物流中心', '建设完善城乡共同配送体系', '建设智慧物流服务体系', '加强物流运输综合监管'],
  '互联网+商务': ['加快建设重点行业电子商务平台', '推进电子商务进农村和社区', '加快跨境电子商务发展', '完善电子商务配套服务体系'],
  '互联网+交通': ['推进高速公路智能化', '推进交通出行便利化', '完善城市交通体系'],
  '互联网+环保': ['提高环境监测智慧化水平', '加大环保监管力度', '推动废弃物回收再利用'],
  '互联网+政务': ['加强政府网站建设与管理', '加大政府信息和政务公开力度', '提升在线政务服务水平', '推动跨部门信息资源共享'],
};
const SAFEGUARDS: Record<string, string[]> = {
  '完善基础支撑,提高服务能力': ['强化网络基础设施保障', '强化大数据运用', '强化信息产业支撑', '强化网络和信息安全保障'],
  '强化政策扶持,营造发展环境': ['加大财政资金支持力度', '完善税收优惠政策', '构建信用支撑体系'],
  '鼓励创新创业,增强发展动力': ['积极发展众创空间', '加大知识产权保护力度', '放宽市场准入'],
  '强化人才支撑,培育壮大队伍': ['建立健全人才流动机制', '优化人才培养机制', '完善人才引进激励机制'],
  '加强统筹协调,形成发展合力': ['加强组织领导', '发挥智库作用', '加快推进实施“互联网+”行动计划'],
};
const CATALOG_TABLES = ['departments', 'plans', 'actions', 'safeguard_measures', 'items', 'item_owner_proposals', 'audit_events'];

async function tableCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of CATALOG_TABLES) out[t] = Number(((await db(t).count({ n: '*' }).first()) as { n: string }).n);
  return out;
}

function refusal(fn: () => unknown): PlanValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlanValidationError) return err;
    throw err;
  }
  throw new Error('expected the plan to be refused');
}

describe('plan catalog import', () => {
  let db: Db;

  beforeAll(async () => {
    ({ db } = await createTestDatabase('catalog'));
    await migrateLatest(db);
  });
  afterAll(async () => {
    await db.destroy();
  });

  test('the default plan imports with 10 actions, 40 tasks, 5 measures and 16 items in the plan\'s own words and order', async () => {
    const result = await importPlan(db, readPlanFile(defaultPlanFile), { actor: 'test' });
    expect(result.counts).toMatchObject({ actions: 10, tasks: 40, safeguardMeasures: 5, safeguardItems: 16 });
    expect(result.changes).toBeGreaterThan(0);

    const plan = await db('plans').where({ code: 'sd-internet-plus-2016-2018' }).first();
    expect(plan.title).toBe('山东省“互联网+”行动计划(2016-2018年)');
    expect(plan.issuer).toBe('山东省人民政府');
    expect(plan.overall_goal).toMatch(/^到2018年“互联网\+”创新发展的基础支撑更加完善/);
    const period = await db('plans').where({ id: plan.id }).first(db.raw("to_char(period_end, 'YYYY-MM-DD') as e"));
    expect(period.e).toBe('2018-12-31');
    const secretariat = await db('departments').where({ id: plan.secretariat_department_id }).first();
    expect(secretariat).toMatchObject({ code: 'drc', short_name: '省发展改革委', kind: 'secretariat' });
    // The 17 cities of 2016-2018 (莱芜 until its merger into 济南 in 2019), in the file's order, none named by a proposal.
    expect(result.counts.departments).toBe(54);
    const cities = (await db('departments').where({ kind: 'city' }).orderBy('id').select('code', 'name', 'short_name')) as { code: string; name: string; short_name: string }[];
    expect(cities.map((c) => c.short_name).join('、')).toBe('济南市、青岛市、淄博市、枣庄市、东营市、烟台市、潍坊市、济宁市、泰安市、威海市、日照市、莱芜市、临沂市、德州市、聊城市、滨州市、菏泽市');
    expect(cities.map((c) => c.code)).toEqual(['jinan', 'qingdao', 'zibo', 'zaozhuang', 'dongying', 'yantai', 'weifang', 'jining', 'taian', 'weihai', 'rizhao', 'laiwu', 'linyi', 'dezhou', 'liaocheng', 'binzhou', 'heze']);
    expect(cities.every((c) => c.name === `${c.short_name}人民政府`)).toBe(true);
    expect(await db('item_owner_proposals as p').join('departments as d', 'd.id', 'p.department_id').where('d.kind', 'city').count({ n: '*' }).first()).toEqual({ n: '0' });
    expect(plan.policy).toMatchObject({ cadence: 'quarterly', dueOffsetWorkingDays: 5, reminderOffsetsWorkingDays: [3, 1, 0] });
    expect(plan.policy.escalation.map((r: { label: string }) => r.label)).toEqual(['催办', '督办', '通报/上报领导小组']);

    const actions = await db('actions').where({ plan_id: plan.id }).orderBy('seq');
    expect(actions.map((a) => a.title)).toEqual(ACTIONS);
    for (const action of actions) {
      expect(action.focus).toMatch(/^重点/);
      const tasks = await db('items').where({ action_id: action.id, kind: 'task' }).orderBy('seq');
      expect(tasks.map((t) => t.title)).toEqual(TASKS[action.title]);
    }
    const measures = await db('safeguard_measures').where({ plan_id: plan.id }).orderBy('seq');
    expect(measures.map((m) => m.title)).toEqual(Object.keys(SAFEGUARDS));
    for (const m of measures) {
      const items = await db('items').where({ measure_id: m.id, kind: 'safeguard' }).orderBy('seq');
      expect(items.map((t) => t.title)).toEqual(SAFEGUARDS[m.title]);
    }

    // Every item has exactly one proposed lead; the finance department is proposed for 加大财政资金支持力度.
    const leads = await db('item_owner_proposals').where({ role: 'lead' }).count({ n: '*' }).first();
    expect(Number(leads?.n)).toBe(56);
    const finance = await db('items as i')
      .join('item_owner_proposals as p', 'p.item_id', 'i.id')
      .join('departments as d', 'd.id', 'p.department_id')
      .where({ 'i.title': '加大财政资金支持力度', 'p.role': 'lead' })
      .first('d.short_name');
    expect(finance.short_name).toBe('省财政厅');
  });

  test('importing the same plan again changes nothing', async () => {
    const before = await tableCounts(db);
    const stamps = await db('items').select('id', 'updated_at').orderBy('id');
    const planRow = await db('plans').first('updated_at');
    const again = await importPlan(db, readPlanFile(defaultPlanFile), { actor: 'test' });
    expect(again.changes).toBe(0);
    expect(await tableCounts(db)).toEqual(before);
    expect(await db('items').select('id', 'updated_at').orderBy('id')).toEqual(stamps);
    expect((await db('plans').first('updated_at')).updated_at).toEqual(planRow.updated_at);
  });

  test('a changed plan updates in place, retires what it dropped, and is audited', async () => {
    const data = defaultPlanData();
    data.actions[0]!.tasks[0]!.title = '推广开放式研发设计(修订)';
    data.safeguards[4]!.items.pop();
    const loaded = parsePlanText(YAML.stringify(data), 'revised.yaml');
    const result = await importPlan(db, loaded, { actor: 'test', requestId: 'req-1' });
    // The plan row (its content hash), one title, one retired item.
    expect(result.changes).toBe(3);
    expect((await db('items').where({ code: 'A01-1' }).first()).title).toBe('推广开放式研发设计(修订)');
    expect((await db('items').where({ code: 'S5-3' }).first()).retired_at).not.toBeNull();
    const audit = await db('audit_events').where({ action: 'plan.import', request_id: 'req-1' }).first();
    expect(audit).toMatchObject({ actor: 'test', subject: 'plan:sd-internet-plus-2016-2018' });
    expect(audit.payload.changes).toBe(3);

    // Back to the shipped file: the item returns and the title is restored.
    const restored = await importPlan(db, readPlanFile(defaultPlanFile), { actor: 'test' });
    expect(restored.changes).toBe(3);
    expect((await db('items').where({ code: 'S5-3' }).first()).retired_at).toBeNull();
  });

  test('a bad plan is refused whole, naming every bad field by its path, and nothing is written', async () => {
    const data = defaultPlanData();
    delete data.plan.title;
    data.plan.periodEnd = '2018-02-30';
    data.actions[1]!.tasks[2]!.proposal.lead = 'nosuchdept';
    data.actions[3]!.tasks[0]!.code = 'A01-1';
    data.safeguards[1]!.items[0]!.proposal.cooperating = ['finance'];
    (data.actions[4]!.tasks[1] as Record<string, unknown>).colour = 'red';
    const err = refusal(() => parsePlanText(YAML.stringify(data), 'bad.yaml'));
    const paths = err.issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'plan.title',
        'plan.periodEnd',
        'actions[4].tasks[1]',
        'actions[1].tasks[2].proposal.lead',
        'actions[3].tasks[0].code',
        'safeguards[1].items[0].proposal.cooperating[0]',
      ].sort(),
    );
    expect(err.message).toContain('bad.yaml');
    expect(err.issues.find((i) => i.path === 'actions[1].tasks[2].proposal.lead')?.message).toContain('nosuchdept');
  });

  test('a file that is not valid YAML is refused with its line', () => {
    const err = refusal(() => parsePlanText('format: coord-plan/v1\nplan: {code: x\n', 'broken.yaml'));
    expect(err.issues[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  test('an import that fails in the database rolls back entirely', async () => {
    const fresh = await createTestDatabase('catalog_rollback');
    try {
      await migrateLatest(fresh.db);
      // A real database failure half-way: items are written after departments, plans and actions.
      await fresh.db.raw(`
        create function refuse_item() returns trigger language plpgsql as $$
        begin if new.code = 'A05-3' then raise exception 'refused for the test'; end if; return new; end $$;
        create trigger refuse_item before insert on items for each row execute function refuse_item();`);
      await expect(importPlan(fresh.db, readPlanFile(defaultPlanFile), { actor: 'test' })).rejects.toThrow('refused for the test');
      expect(Object.values(await tableCounts(fresh.db)).every((n) => n === 0)).toBe(true);
    } finally {
      await fresh.db.destroy();
    }
  });

  test('the directory grows and proposals change over items already assigned: assignments stay, proposals follow the file', async () => {
    // The directory the default plan had before the grid company, the financial regulators, 青岛海关 and CIQ.
    const added = ['grid', 'cbrc', 'csrc', 'qdcustoms', 'ciq'];
    const before = defaultPlanData();
    before.departments = before.departments.filter((d) => !added.includes(d.code as string));
    for (const item of [...before.actions.flatMap((a) => a.tasks), ...before.safeguards.flatMap((s) => s.items)]) {
      item.proposal.cooperating = item.proposal.cooperating.filter((c) => !added.includes(c));
    }
    const fresh = await createTestDatabase('catalog_directory');
    try {
      const db2 = fresh.db;
      await migrateLatest(db2);
      await importPlan(db2, parsePlanText(YAML.stringify(before), 'before.yaml'), { actor: 'test' });
      const dept = async (code: string) => ((await db2('departments').where({ code }).first('id')) as { id: number }).id;
      const item = async (code: string) => ((await db2('items').where({ code }).first('id')) as { id: number }).id;

      // A07-3 assigned to 省商务厅 with 济南海关, as the earlier proposal had it.
      const [assignment] = (await db2('assignments')
        .insert({
          item_id: await item('A07-3'),
          workflow_id: 'item:test:A07-3',
          lead_department_id: await dept('commerce'),
          cadence: 'quarterly',
          due_offset_working_days: 5,
          start_date: '2016-07-01',
          assigned_on: '2016-07-01',
          final_deadline: '2018-12-31',
          policy: JSON.stringify({ cadence: 'quarterly' }),
          status: 'in_progress',
          escalation_level: 0,
          assigned_by: 'sec1',
          assigned_at: new Date('2016-07-01T02:00:00Z'),
        })
        .returning('*')) as Record<string, unknown>[];
      const assignmentId = (assignment as { id: number }).id;
      await db2('assignment_cooperators').insert({ assignment_id: assignmentId, department_id: await dept('customs') });

      const result = await importPlan(db2, readPlanFile(defaultPlanFile), { actor: 'test' });
      expect(result.changes).toBeGreaterThan(0);
      expect(result.counts.departments).toBe(54);
      expect(await db2('departments').whereIn('code', added).orderBy('code').select('code', 'name', 'short_name', 'kind')).toEqual([
        { code: 'cbrc', name: '中国银行业监督管理委员会山东监管局', short_name: '山东银监局', kind: 'agency' },
        { code: 'ciq', name: '山东出入境检验检疫局', short_name: '山东检验检疫局', kind: 'agency' },
        { code: 'csrc', name: '中国证券监督管理委员会山东监管局', short_name: '山东证监局', kind: 'agency' },
        { code: 'grid', name: '国网山东省电力公司', short_name: '国网山东电力', kind: 'agency' },
        { code: 'qdcustoms', name: '中华人民共和国青岛海关', short_name: '青岛海关', kind: 'agency' },
      ]);

      const proposal = async (code: string) => {
        const rows = (await db2('item_owner_proposals as p')
          .join('items as i', 'i.id', 'p.item_id')
          .join('departments as d', 'd.id', 'p.department_id')
          .where('i.code', code)
          .select('p.role', 'd.code')) as { role: string; code: string }[];
        return { lead: rows.filter((r) => r.role === 'lead').map((r) => r.code), cooperating: rows.filter((r) => r.role === 'cooperating').map((r) => r.code).sort() };
      };
      expect(await proposal('A07-3')).toEqual({ lead: ['commerce'], cooperating: ['ciq', 'customs', 'qdcustoms'] });
      expect(await proposal('A03-2')).toEqual({ lead: ['energy'], cooperating: ['eic', 'grid'] });
      expect(await proposal('A04-3')).toEqual({ lead: ['finoffice'], cooperating: ['cbrc', 'pbc', 'pubsec'] });
      expect(await proposal('A04-4')).toEqual({ lead: ['finoffice'], cooperating: ['csrc', 'pbc'] });
      // The enterprise is proposed as co-operating only, never as lead.
      expect((await proposal('A03-3')).cooperating).toContain('grid');
      expect(await db2('item_owner_proposals').where({ department_id: await dept('grid'), role: 'lead' })).toHaveLength(0);

      // The assignment is the secretariat's decision: a new proposal does not touch it.
      expect(await db2('assignments').where({ id: assignmentId }).first()).toEqual(assignment);
      expect(await db2('assignment_cooperators').where({ assignment_id: assignmentId }).pluck('department_id')).toEqual([await dept('customs')]);

      // And the grown directory imports again without a change.
      expect((await importPlan(db2, readPlanFile(defaultPlanFile), { actor: 'test' })).changes).toBe(0);
    } finally {
      await fresh.db.destroy();
    }
  });
});
