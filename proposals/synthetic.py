"""Synthetic proposals in realistic proportions, to see how the tracker behaves with many years of data.

Every row made here is marked: slugs start with SLUG_PREFIX and status events cite sources from the
publisher SYNTHETIC_PUBLISHER, so the rows can be told apart from real ones and cleared. Timelines follow
the rules in proposals/lifecycle.py; the denormalised status, status date and reply deadline of each
proposal are computed from its events with the same functions the timeline service uses.
"""

import datetime
import random
import sys
import time
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from people.models import Affiliation, Company, Delegate, Membership
from tracker.caching import bump_data_version

from . import lifecycle
from .lifecycle import HandlingRole, ReplyGrade, Status, Verdict
from .models import Authority, Body, Proposal, Session, Source, Sponsorship, StatusEvent, Theme

SLUG_PREFIX = "synthetic-"
SYNTHETIC_PUBLISHER = "Synthetic data"

THEMES = [
    ("5G", "5G"), ("artificial intelligence", "人工智能"), ("cloud computing", "云计算"),
    ("cybersecurity", "网络安全"), ("industrial internet", "工业互联网"), ("Internet of Things", "物联网"),
    ("satellite internet", "卫星互联网"), ("disaster warning", "灾害预警"), ("education", "教育"),
    ("smart transportation", "智能交通"), ("digital economy", "数字经济"), ("big data", "大数据"),
    ("semiconductors", "半导体"), ("new energy vehicles", "新能源汽车"), ("rural revitalisation", "乡村振兴"),
    ("healthcare", "医疗卫生"), ("elderly care", "养老服务"), ("data privacy", "数据隐私"),
    ("open source", "开源"), ("blockchain", "区块链"), ("e-commerce", "电子商务"), ("fintech", "金融科技"),
    ("clean energy", "清洁能源"), ("carbon neutrality", "碳中和"), ("smart cities", "智慧城市"),
    ("manufacturing", "制造业"), ("robotics", "机器人"), ("space industry", "航天产业"),
    ("biotechnology", "生物技术"), ("quantum computing", "量子计算"), ("employment", "就业"),
    ("vocational training", "职业培训"), ("intellectual property", "知识产权"), ("platform economy", "平台经济"),
    ("telecommunications", "电信"), ("emergency response", "应急管理"), ("food security", "粮食安全"),
    ("water resources", "水资源"), ("culture and tourism", "文化旅游"), ("sports", "体育"),
]
ACTIONS = [
    ("Accelerate", "加快"), ("Strengthen", "加强"), ("Promote", "推动"), ("Improve", "完善"),
    ("Support", "支持"), ("Expand", "扩大"), ("Standardise", "规范"), ("Build", "建设"),
]
OBJECTS = [
    ("infrastructure for", "基础设施建设"), ("national standards for", "国家标准"),
    ("fiscal support for", "财政支持"), ("talent training in", "人才培养"), ("rural access to", "农村普及"),
    ("security of", "安全保障"), ("open platforms for", "开放平台"), ("legislation on", "立法"),
]
SUMMARIES = [
    "The proposal asks the government to set a national plan and clear targets for {theme}.",
    "It calls for tax relief and development funds so that small firms can take part in {theme}.",
    "It urges ministries to coordinate regulation of {theme} and to remove rules that hold it back.",
    "It suggests pilot zones for {theme} in central and western provinces before a national roll-out.",
]
SUMMARIES_ZH = ["建议制定{theme}国家规划和明确目标。", "建议出台税收优惠和专项资金支持{theme}发展。",
                "建议有关部门协调{theme}监管，清理阻碍发展的规定。", "建议在中西部省份先行开展{theme}试点。"]
AUTHORITIES = [
    ("Ministry of Industry and Information Technology", "工业和信息化部"),
    ("National Development and Reform Commission", "国家发展改革委"), ("Ministry of Finance", "财政部"),
    ("Ministry of Education", "教育部"), ("Ministry of Science and Technology", "科学技术部"),
    ("Ministry of Public Security", "公安部"), ("Ministry of Emergency Management", "应急管理部"),
    ("Ministry of Transport", "交通运输部"), ("Cyberspace Administration of China", "国家互联网信息办公室"),
    ("Ministry of Human Resources and Social Security", "人力资源社会保障部"),
    ("Ministry of Agriculture and Rural Affairs", "农业农村部"), ("National Health Commission", "国家卫生健康委"),
    ("Ministry of Commerce", "商务部"), ("Ministry of Ecology and Environment", "生态环境部"),
    ("State Administration for Market Regulation", "市场监管总局"), ("People's Bank of China", "中国人民银行"),
    ("Ministry of Natural Resources", "自然资源部"), ("Ministry of Water Resources", "水利部"),
    ("Ministry of Culture and Tourism", "文化和旅游部"), ("General Administration of Sport", "体育总局"),
]
SURNAMES = [("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
            ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"), ("Xu", "徐"), ("Sun", "孙"),
            ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"), ("Guo", "郭"), ("He", "何"), ("Lin", "林")]
GIVEN = [("Wei", "伟"), ("Fang", "芳"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"), ("Qiang", "强"),
         ("Yang", "洋"), ("Jun", "军"), ("Jie", "杰"), ("Tao", "涛"), ("Ming", "明"), ("Chao", "超"),
         ("Hua", "华"), ("Ping", "平"), ("Gang", "刚"), ("Hong", "红"), ("Xin", "鑫"), ("Bo", "博")]
SECTORS = ["telecommunications", "internet", "manufacturing", "energy", "finance", "education", "healthcare"]
PLANS = ["the 14th Five-Year Plan", "the Cybersecurity Law amendment", "a State Council guideline",
         "a ministerial action plan", "the Emergency Response Law amendment"]


@dataclass(frozen=True)
class Scale:
    """How much reference data goes with a number of proposals (the proportions of the real bodies)."""

    proposals: int
    delegates: int = 3000
    companies: int = 300
    years: int = 10
    sources: int = 500
    batch: int = 5000


class Progress:
    """A one-line progress bar on a terminal stream, redrawn at most every percent."""

    def __init__(self, stream, total, label, width=30):
        self.stream, self.total, self.label, self.width = stream, max(total, 1), label, width
        self.done, self.shown, self.started = 0, -1, time.monotonic()

    def advance(self, count):
        self.done += count
        percent = self.done * 100 // self.total
        if percent != self.shown:
            self.shown = percent
            filled = self.width * self.done // self.total
            elapsed = time.monotonic() - self.started
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% "
                f"{self.done}/{self.total} {elapsed:5.0f}s"
            )
            self.stream.flush()

    def finish(self):
        self.stream.write("\n")
        self.stream.flush()


def foreign_proposal_count():
    """Proposals that were not made here: real data a seeding run must not mix with unasked."""
    return Proposal.objects.exclude(slug__startswith=SLUG_PREFIX).count()


def synthetic_rows_present():
    return Theme.objects.filter(slug__startswith=SLUG_PREFIX).exists()


def clear():
    """Delete every synthetic row. Rows are removed with plain DELETEs (no per-object signals): it is bulk data."""
    proposals = Proposal.objects.filter(slug__startswith=SLUG_PREFIX)
    with transaction.atomic():
        for through in (Proposal.themes.through, Proposal.related.through, Proposal.sources.through):
            field = "from_proposal" if through is Proposal.related.through else "proposal"
            _raw_delete(through.objects.filter(**{f"{field}__in": proposals.values("pk")}))
        _raw_delete(Proposal.related.through.objects.filter(to_proposal__in=proposals.values("pk")))
        _raw_delete(StatusEvent.objects.filter(proposal__in=proposals.values("pk")))
        _raw_delete(Sponsorship.objects.filter(proposal__in=proposals.values("pk")))
        _raw_delete(proposals)
        synthetic_delegates = Delegate.objects.filter(slug__startswith=SLUG_PREFIX).values("pk")
        _raw_delete(Membership.objects.filter(delegate__in=synthetic_delegates))
        _raw_delete(Affiliation.objects.filter(delegate__in=synthetic_delegates))
        _raw_delete(Delegate.objects.filter(slug__startswith=SLUG_PREFIX))
        _raw_delete(Company.objects.filter(slug__startswith=SLUG_PREFIX))
        _raw_delete(Theme.objects.filter(slug__startswith=SLUG_PREFIX))
        _raw_delete(Authority.objects.filter(slug__startswith=SLUG_PREFIX))
        _raw_delete(Source.objects.filter(publisher=SYNTHETIC_PUBLISHER))
        _raw_delete(Session.objects.filter(slug__startswith=SLUG_PREFIX))
        bump_data_version()


def _raw_delete(queryset):
    # QuerySet.delete() would load every row to send signals and cascade: minutes for 500,000 events.
    # The order of the calls in clear() does the cascading instead.
    return queryset._raw_delete(queryset.db)


class Seeder:
    def __init__(self, scale, *, seed=2020, today=None, stderr=sys.stderr):
        self.scale = scale
        self.random = random.Random(seed)
        self.today = today or timezone.localdate()
        self.stderr = stderr
        self.counts = {}

    def run(self):
        reference = self.reference_data()
        self.proposals(reference)
        _reset_sequences()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # Fresh statistics, or the planner guesses at plans for an empty table.
        bump_data_version()
        return self.counts

    # Reference data: a few thousand rows, made with ordinary bulk_create.

    def reference_data(self):
        with transaction.atomic():
            bodies = {
                "npc": _body("npc", "National People's Congress", "全国人民代表大会", "NPC", "全国人大",
                             Body.Kind.CONGRESS),
                "cppcc": _body("cppcc", "CPPCC National Committee", "中国人民政治协商会议全国委员会", "CPPCC",
                               "全国政协", Body.Kind.CONFERENCE),
            }
            sessions = self._sessions(bodies)
            themes = Theme.objects.bulk_create(
                Theme(slug=f"{SLUG_PREFIX}{slugify(en)}"[:50], name_en=en[0].upper() + en[1:], name_zh=zh)
                for en, zh in THEMES
            )
            authorities = Authority.objects.bulk_create(
                Authority(slug=f"{SLUG_PREFIX}{slugify(en)}"[:50], name_en=en, name_zh=zh) for en, zh in AUTHORITIES
            )
            sources = Source.objects.bulk_create(
                Source(url=f"https://example.org/synthetic/{n}", title=f"Synthetic report {n}",
                       publisher=SYNTHETIC_PUBLISHER, published_on=self.today)
                for n in range(1, self.scale.sources + 1)
            )
            members = self._people(bodies)
        self.counts.update(sessions=len(sessions), themes=len(themes), authorities=len(authorities))
        return {"sessions": sessions, "themes": themes, "authorities": authorities, "sources": sources,
                "members": members}

    def _sessions(self, bodies):
        sessions = []
        last_year = self.today.year if self.today >= datetime.date(self.today.year, 3, 20) else self.today.year - 1
        for year in range(last_year - self.scale.years + 1, last_year + 1):
            # 2020's sessions were put off to late May by COVID-19; other years open in early March.
            opened = datetime.date(year, 5, 21) if year == 2020 else datetime.date(year, 3, 3)
            for slug, body in bodies.items():
                term = (year - 2018) // 5 + 13
                number = (year - 2018) % 5 + 1
                day = opened + datetime.timedelta(days=1 if slug == "npc" else 0)
                existing = Session.objects.filter(body=body, term=term, number=number).first()
                if existing is None:
                    existing = Session(
                        body=body, term=term, number=number, year=year, slug=f"{SLUG_PREFIX}{year}-{slug}",
                        name_en=f"Session {number} of the {term}th {body.abbreviation} ({year})",
                        opened_on=day, closed_on=day + datetime.timedelta(days=7),
                    )
                    existing.name_zh = f"{existing.default_name_zh()}（{year}年）"
                    existing.save()
                sessions.append(existing)
        return sessions

    def _people(self, bodies):
        rng = self.random
        delegates = Delegate.objects.bulk_create(
            Delegate(slug=f"{SLUG_PREFIX}delegate-{n}", name_en=f"{sur} {given} {n}", name_zh=f"{sur_zh}{given_zh}",
                     name_pinyin=f"{sur} {given}")
            for n, ((sur, sur_zh), (given, given_zh)) in enumerate(
                ((rng.choice(SURNAMES), rng.choice(GIVEN)) for _ in range(self.scale.delegates)), start=1
            )
        )
        members = {"npc": [], "cppcc": []}
        memberships = []
        for index, person in enumerate(delegates):
            # Two NPC deputies for each CPPCC member, roughly the ratio of the two bodies' sizes.
            slug = "cppcc" if index % 3 == 2 else "npc"
            members[slug].append(person.pk)
            for term in (13, 14):
                memberships.append(Membership(
                    delegate=person, body=bodies[slug], term=term,
                    role=Membership.Role.MEMBER if slug == "cppcc" else Membership.Role.DEPUTY,
                ))
        Membership.objects.bulk_create(memberships, batch_size=self.scale.batch)
        companies = Company.objects.bulk_create(
            Company(slug=f"{SLUG_PREFIX}company-{n}", name_en=f"Company {n}", name_zh=f"公司{n}",
                    sector=rng.choice(SECTORS))
            for n in range(1, self.scale.companies + 1)
        )
        Affiliation.objects.bulk_create(
            Affiliation(delegate=person, company=rng.choice(companies), position=rng.choice(["founder", "CEO",
                                                                                            "chairman"]))
            for person in rng.sample(delegates, min(len(delegates), self.scale.companies * 2))
        )
        self.counts.update(delegates=len(delegates), companies=len(companies))
        return members

    # Proposals and everything hanging off them: batches of plain INSERTs with ids chosen here.

    def proposals(self, reference):
        progress = Progress(self.stderr, self.scale.proposals, "proposals")
        ids = {model: _next_id(model) for model in (Proposal, StatusEvent, Sponsorship)}
        ids["themes"] = _next_id(Proposal.themes.through)
        ids["related"] = _next_id(Proposal.related.through)
        totals = dict.fromkeys(("proposals", "status_events", "sponsorships", "theme_links", "related_links"), 0)
        earlier_by_theme = {}
        remaining = self.scale.proposals
        while remaining:
            size = min(remaining, self.scale.batch)
            batch = self._batch(size, reference, ids, earlier_by_theme)
            with transaction.atomic():
                for model, rows in batch.items():
                    model.objects.bulk_create(rows, batch_size=2000)
            totals["proposals"] += len(batch[Proposal])
            totals["status_events"] += len(batch[StatusEvent])
            totals["sponsorships"] += len(batch[Sponsorship])
            totals["theme_links"] += len(batch[Proposal.themes.through])
            totals["related_links"] += len(batch[Proposal.related.through]) // 2
            remaining -= size
            progress.advance(size)
        progress.finish()
        self.counts.update(totals)

    def _batch(self, size, reference, ids, earlier_by_theme):
        rng = self.random
        now = timezone.now()
        rows = {Proposal: [], StatusEvent: [], Sponsorship: [], Proposal.themes.through: [],
                Proposal.related.through: []}
        for _ in range(size):
            session = rng.choice(reference["sessions"])
            body = "npc" if session.body.kind == Body.Kind.CONGRESS else "cppcc"
            kind = (Proposal.Kind.CPPCC_PROPOSAL if body == "cppcc" else
                    Proposal.Kind.NPC_MOTION if rng.random() < 0.1 else Proposal.Kind.NPC_SUGGESTION)
            themes = rng.sample(reference["themes"], rng.choice((1, 1, 2, 2, 2, 3)))
            proposal_id = ids[Proposal]
            ids[Proposal] += 1
            title_en, title_zh, summary, summary_zh = _texts(rng, themes[0])
            events = generate_timeline(rng, session, kind, reference["authorities"], self.today)
            for event in events:
                event.pk, event.proposal_id = ids[StatusEvent], proposal_id
                event.source = rng.choice(reference["sources"])
                event.created_at = event.updated_at = now
                ids[StatusEvent] += 1
            debts = lifecycle.reply_debts(events)
            for debt in debts:
                debt.opened_by.reply_due_on, debt.opened_by.reply_owed_by_id = debt.due_on, debt.owed_by_id
                debt.opened_by.reply_settled_by_id = debt.settled_by.pk if debt.settled_by else None
            latest = events[-1]
            rows[Proposal].append(Proposal(
                pk=proposal_id, title_en=title_en, title_zh=title_zh, summary_en=summary, summary_zh=summary_zh,
                slug=f"{SLUG_PREFIX}{slugify(title_en)}"[:120], kind=kind, session=session,
                status=latest.status, status_date=latest.date, reply_due_on=lifecycle.reply_due(debts),
                created_at=now, updated_at=now, published=True, published_at=now,
            ))
            rows[StatusEvent].extend(events)
            for order, delegate_id in enumerate(rng.sample(reference["members"][body], rng.choice((1, 1, 2, 3)))):
                rows[Sponsorship].append(Sponsorship(pk=ids[Sponsorship], proposal_id=proposal_id,
                                                     delegate_id=delegate_id, is_lead=order == 0, order=order))
                ids[Sponsorship] += 1
            for theme in themes:
                rows[Proposal.themes.through].append(
                    Proposal.themes.through(pk=ids["themes"], proposal_id=proposal_id, theme_id=theme.pk))
                ids["themes"] += 1
            # One in twenty is the same idea as an earlier proposal on its theme: a re-submission.
            earlier = earlier_by_theme.get(themes[0].pk)
            if earlier and rng.random() < 0.05:
                for source_id, target_id in ((proposal_id, earlier), (earlier, proposal_id)):
                    rows[Proposal.related.through].append(Proposal.related.through(
                        pk=ids["related"], from_proposal_id=source_id, to_proposal_id=target_id))
                    ids["related"] += 1
            earlier_by_theme[themes[0].pk] = proposal_id
        return rows


def _body(slug, name_en, name_zh, abbreviation, abbreviation_zh, kind):
    return Body.objects.get_or_create(slug=slug, defaults={
        "name_en": name_en, "name_zh": name_zh, "abbreviation": abbreviation, "abbreviation_zh": abbreviation_zh,
        "kind": kind})[0]


def _texts(rng, theme):
    (action, action_zh), (thing, thing_zh) = rng.choice(ACTIONS), rng.choice(OBJECTS)
    topic, topic_zh = theme.name_en, theme.name_zh
    title_en = f"{action} {thing} {topic.lower() if topic.islower() or ' ' in topic else topic}"
    title_zh = f"关于{action_zh}{topic_zh}{thing_zh}的建议"
    pick = rng.randrange(len(SUMMARIES))
    return title_en, title_zh, SUMMARIES[pick].format(theme=topic.lower()), SUMMARIES_ZH[pick].format(theme=topic_zh)


def generate_timeline(rng, session, kind, authorities, today):
    """A possible life of one proposal, as unsaved StatusEvents in order; it stops at `today`.

    The paths and their odds: most proposals are filed, referred and answered; some are withdrawn or
    not filed; some referrals never get their reply (overdue); some replies are rejected and rehandled.
    """
    events = []
    day = session.opened_on

    def add(status, after=(0, 0), **details):
        nonlocal day
        when = day + datetime.timedelta(days=rng.randint(*after))
        if when > today:
            return False
        day = when
        events.append(StatusEvent(date=when, status=status, **details))
        return True

    if rng.random() < 0.15:
        events.append(StatusEvent(date=day - datetime.timedelta(days=rng.randint(1, 20)), status=Status.ANNOUNCED))
    add(Status.SUBMITTED, (0, (session.closed_on - session.opened_on).days))
    add(Status.UNDER_REVIEW, (3, 20))
    if rng.random() < 0.03:
        add(Status.WITHDRAWN, (1, 30))
        return events
    outcome = rng.random()
    if outcome < 0.06:
        add(Status.NOT_FILED, (5, 30))
        return events
    if kind == Proposal.Kind.NPC_MOTION and outcome < 0.5:
        stage = Status.CONVERTED
    else:
        stage = Status.MERGED if outcome < 0.11 else Status.FILED
    if not add(stage, (5, 30)):
        return events

    lead = rng.choice(authorities)
    if not add(Status.REFERRED, (10, 40), authority=lead, handling_role=HandlingRole.LEAD):
        return events
    if rng.random() < 0.3:
        helper = rng.choice([authority for authority in authorities if authority != lead])
        add(Status.REFERRED, authority=helper, handling_role=HandlingRole.CO_HANDLING)
    if rng.random() < 0.08:
        return events  # The lead authority never replies: overdue once three months have passed.
    if not add(Status.REPLIED, (30, 120), authority=lead, reply_grade=rng.choice(ReplyGrade.values)):
        return events
    if rng.random() < 0.7:
        verdict = rng.choices(Verdict.values, weights=(6, 3, 1))[0]
        if not add(Status.FEEDBACK, (10, 40), verdict=verdict):
            return events
        if verdict == Verdict.DISSATISFIED:
            if not add(Status.REHANDLING, (5, 20), authority=lead) or rng.random() < 0.3:
                return events  # Rehandled but not answered again: due within a month.
            if not add(Status.REPLIED, (10, 40), authority=lead, reply_grade=rng.choice(ReplyGrade.values)):
                return events
    if rng.random() < 0.7 and add(Status.CLOSED, (10, 60)) and rng.random() < 0.25:
        if add(Status.ADOPTED, (30, 400), adopted_in=rng.choice(PLANS)) and rng.random() < 0.3:
            add(Status.IMPLEMENTED, (60, 500))
    return events


def _next_id(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences():
    """Ids were chosen here, so PostgreSQL's sequences must be moved past them."""
    models = [Proposal, StatusEvent, Sponsorship, Proposal.themes.through, Proposal.related.through]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
