"""Who may do what: roles × capabilities, declared once as data.

Views (neisheng.platform.access.requires), API permissions (platform.access.capability_permission),
templates (the `may` filter of the `access` template library), services and the
scope-matrix test all read ROLE_CAPABILITIES; nothing else decides by role. A new app
adds its capabilities to CAPABILITIES and grants them in ROLE_CAPABILITIES.

Capabilities say what kind of thing a role may do; *where* (which division) is decided
by scope (neisheng.platform.scope), never here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Chinese msgids; English in the translation catalogue (one language at a time).
    COUNTY = "county", _("县级干部")
    TOWN = "town", _("乡镇干部")
    VILLAGE = "village", _("村干部")
    ASSISTANCE = "assistance", _("帮扶责任人")
    DEPARTMENT = "department", _("行业部门")
    AUDITOR = "auditor", _("审计/纪检")
    RESEARCHER = "researcher", _("研究人员")
    ADMIN = "admin", _("系统管理员")


PERSONS_READ = "persons.read"
REGISTRY_EDIT = "registry.edit"
PERSON_UNMASK = "person.unmask"
AUDIT_READ = "audit.read"
USERS_OVERSEE = "users.oversee"
SCOPE_UNBOUNDED = "scope.unbounded"
USERS_MANAGE = "users.manage"
# Monitoring runs, policies, warning lists and monitoring cases (issue 10, cases.md):
# each step of a case is its own capability, because cases.md names who may make it.
MONITORING_RUN = "monitoring.run"
POLICY_EDIT = "policy.edit"
WARNINGS_HAND_OVER = "warnings.hand_over"
WARNINGS_FOLLOW_UP = "warnings.follow_up"
CASES_REPORT = "cases.report"
CASES_VERIFY = "cases.verify"
CASES_COMPARE = "cases.compare"
CASES_VILLAGE_REVIEW = "cases.village_review"
CASES_TOWN_REVIEW = "cases.town_review"
CASES_APPROVE = "cases.approve"
CASES_REJECT = "cases.reject"
CASES_PROPOSE_ELIMINATION = "cases.propose_elimination"
MEASURES_ASSIGN = "measures.assign"
# The responsibility grid, visits and the problem ledger (issue 11, grid.md).
GRID_EDIT = "grid.edit"
GRID_ASSIGN = "grid.assign"
VISITS_RECORD = "visits.record"
PROBLEMS_RAISE = "problems.raise"
PROBLEMS_RESOLVE = "problems.resolve"
PROBLEMS_REVIEW = "problems.review"
# Department feeds (issue 12, feeds.md): a department's clerk uploads and reviews the
# pairs the linkage was unsure of; officers decide the findings and act on them.
FEEDS_UPLOAD = "feeds.upload"
FEEDS_REVIEW = "feeds.review"
FINDINGS_DECIDE = "findings.decide"
# Issue 13: the activities that carry measures out (trainings, placements, posts, credit,
# meetings ...) are recorded by the offices and departments that run them; the coverage of
# the policy targets and the evaluation of the measures are read by those who plan them.
ACTIVITIES_RECORD = "activities.record"
MEASURES_EVALUATE = "measures.evaluate"
# Issue 14 (projects.md): the offices that run projects record them, their funds and
# revenue; distribution plans go through the shared review step and their payments write
# the income ledger (so only offices that keep the registry pay); renovations are recorded
# by the same offices; the reference price list is the county's; auditors, who read
# everything in their division, write only findings and their on-site checks.
PROJECTS_EDIT = "projects.edit"
DISTRIBUTIONS_PLAN = "distributions.plan"
PAYMENTS_RECORD = "payments.record"
RENOVATIONS_RECORD = "renovations.record"
PRICES_EDIT = "prices.edit"
FINDINGS_AUDIT = "findings.audit"
# Issue 15 (surveys.md): offices design questionnaires, open surveys and import paper
# questionnaires; whoever visits households collects answers; only the offices that keep
# the registry accept an answer into it; reports are aggregates, open to researchers.
SURVEYS_DESIGN = "surveys.design"
SURVEYS_COLLECT = "surveys.collect"
SURVEYS_REVIEW = "surveys.review"
SURVEYS_REPORT = "surveys.report"
# Issue 16: household files are read by those who read households and filled by those who
# keep or visit them; model households are nominated by any cadre, reviewed and
# publicised by the village, approved by the town; councils are recorded by the offices.
# Each *_FIGURES capability reads counts only (researchers, departments).
ARCHIVES_READ = "archives.read"
ARCHIVES_UPLOAD = "archives.upload"
ARCHIVES_FIGURES = "archives.figures"
HONOURS_NOMINATE = "honours.nominate"
HONOURS_REVIEW = "honours.review"
HONOURS_APPROVE = "honours.approve"
HONOURS_FIGURES = "honours.figures"
COUNCILS_RECORD = "councils.record"
COUNCILS_FIGURES = "councils.figures"

# What each capability lets a role do, in words (the roles page shows them).
CAPABILITIES = {
    PERSONS_READ: _("查看农户和人员明细（没有此权限只能看匿名汇总）"),
    REGISTRY_EDIT: _("修改台账、导入工作簿"),
    PERSON_UNMASK: _("查看完整证件号和手机号（记入审计日志）"),
    AUDIT_READ: _("查看本辖区的审计日志"),
    USERS_OVERSEE: _("查看辖区内所有人的导入和手机号"),
    SCOPE_UNBOUNDED: _("未指定区划时可见全部（其他角色未指定区划时什么也看不到）"),
    USERS_MANAGE: _("管理本辖区的用户：新增、修改角色和区划、停用、重置密码"),
    MONITORING_RUN: _("启动本辖区的监测运行"),
    POLICY_EDIT: _("编辑监测政策并设定各年度启用的政策"),
    WARNINGS_HAND_OVER: _("将预警清单交办给乡镇或干部并设定期限"),
    WARNINGS_FOLLOW_UP: _("跟进交办的预警清单：立案或说明理由后排除"),
    CASES_REPORT: _("登记监测对象线索（农户申报、干部排查、部门预警、预警清单）"),
    CASES_VERIFY: _("入户核实：两名以上核实人和农户签字的承诺授权书"),
    CASES_COMPARE: _("县级信息比对"),
    CASES_VILLAGE_REVIEW: _("村级民主评议和公示（纳入和风险消除）"),
    CASES_TOWN_REVIEW: _("乡镇审核"),
    CASES_APPROVE: _("县级审批：纳入监测、风险消除"),
    CASES_REJECT: _("不予纳入、退回监测、返贫后恢复监测"),
    CASES_PROPOSE_ELIMINATION: _("提出风险消除"),
    MEASURES_ASSIGN: _("为农户或成员安排帮扶措施"),
    GRID_EDIT: _("维护帮扶干部和结对关系（包村、包户、包片），导入干部和结对工作簿"),
    GRID_ASSIGN: _("自动为未结对的农户分配帮扶干部"),
    VISITS_RECORD: _("登记走访（含离线登记）"),
    PROBLEMS_RAISE: _("登记问题台账"),
    PROBLEMS_RESOLVE: _("整改问题并上传佐证"),
    PROBLEMS_REVIEW: _("审核整改：销号或退回重新整改"),
    FEEDS_UPLOAD: _("上传部门比对数据"),
    FEEDS_REVIEW: _("人工核对疑似匹配：确认或否定"),
    FINDINGS_DECIDE: _("处理部门筛查线索：确认、排除、立案或写入收支台账"),
    ACTIVITIES_RECORD: _("登记培训、就业、公益岗位、产业、信贷、资助、参保和会议等帮扶活动，导入出勤和结果"),
    MEASURES_EVALUATE: _("查看帮扶成效评估（汇总数字，不含个人信息）"),
    PROJECTS_EDIT: _("登记项目及其资金、支出、资产、受益户、收益和附件，导入项目工作簿"),
    DISTRIBUTIONS_PLAN: _("编制收益分配方案并提交评议、公示"),
    PAYMENTS_RECORD: _("登记分红发放（写入农户收支台账）"),
    RENOVATIONS_RECORD: _("登记双提升改造及其明细和照片"),
    PRICES_EDIT: _("导入县级改造参考价格表"),
    FINDINGS_AUDIT: _("审计：确认或说明审计发现，登记入户核查"),
    SURVEYS_DESIGN: _("设计问卷、发起调查、导入纸质问卷"),
    SURVEYS_COLLECT: _("填写问卷（网页或手机，含代农户填写）"),
    SURVEYS_REVIEW: _("审核问卷答案并写入农户台账"),
    SURVEYS_REPORT: _("查看问卷调查报告（汇总数字，不含个人信息）"),
    ARCHIVES_READ: _("查看农户档案和学生档案及其文件"),
    ARCHIVES_UPLOAD: _("上传档案文件（新版本保留旧版本）"),
    ARCHIVES_FIGURES: _("查看档案完整性汇总（数字，不含个人信息）"),
    HONOURS_NOMINATE: _("推荐脱贫示范户并登记其事迹、结对和交流"),
    HONOURS_REVIEW: _("村级评议和公示脱贫示范户"),
    HONOURS_APPROVE: _("乡镇审定脱贫示范户"),
    HONOURS_FIGURES: _("查看示范户评选汇总（数字，不含个人信息）"),
    COUNCILS_RECORD: _("登记扶贫理事会成员、会议、建议诉求及其答复和监督记录"),
    COUNCILS_FIGURES: _("查看理事会工作汇总（数字，不含个人信息）"),
}

_OFFICER = frozenset({PERSONS_READ, REGISTRY_EDIT, PERSON_UNMASK})
_PROJECT_OFFICE = frozenset({PROJECTS_EDIT, DISTRIBUTIONS_PLAN, PAYMENTS_RECORD, RENOVATIONS_RECORD})
# grid.md: officers keep the grid and review problems; everyone who visits households
# records visits and raises and resolves problems.
_GRID_OFFICER = frozenset({GRID_EDIT, GRID_ASSIGN, VISITS_RECORD, PROBLEMS_RAISE, PROBLEMS_RESOLVE, PROBLEMS_REVIEW})
_VISITOR = frozenset({VISITS_RECORD, PROBLEMS_RAISE, PROBLEMS_RESOLVE, SURVEYS_COLLECT, SURVEYS_REPORT})
_SURVEY_OFFICE = frozenset({SURVEYS_DESIGN, SURVEYS_COLLECT, SURVEYS_REVIEW, SURVEYS_REPORT})
_FIGURES = frozenset({ARCHIVES_FIGURES, HONOURS_FIGURES, COUNCILS_FIGURES})
# Offices and cadres who keep household files, nominate model households and keep councils.
_RECORDS_OFFICE = frozenset({ARCHIVES_READ, ARCHIVES_UPLOAD, HONOURS_NOMINATE, COUNCILS_RECORD}) | _FIGURES
# cases.md's table says who makes each step of a case; an administrator manages the
# installation and makes none of them (it may still report a household).
_CASE_STEPS = frozenset({
    CASES_VERIFY, CASES_COMPARE, CASES_VILLAGE_REVIEW, CASES_TOWN_REVIEW, CASES_APPROVE, CASES_REJECT,
    CASES_PROPOSE_ELIMINATION,
})
# Like a case's steps, a model household's village review and town approval are decisions
# of those offices; an administrator makes neither.
_HONOUR_STEPS = frozenset({HONOURS_REVIEW, HONOURS_APPROVE})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY: _OFFICER | {MONITORING_RUN, POLICY_EDIT, WARNINGS_HAND_OVER, WARNINGS_FOLLOW_UP, CASES_REPORT,
                             CASES_COMPARE, CASES_APPROVE, CASES_REJECT, MEASURES_ASSIGN, FEEDS_UPLOAD,
                             FEEDS_REVIEW, FINDINGS_DECIDE, ACTIVITIES_RECORD, MEASURES_EVALUATE, PRICES_EDIT}
                  | _GRID_OFFICER | _PROJECT_OFFICE | _SURVEY_OFFICE | _RECORDS_OFFICE,
    Role.TOWN: _OFFICER | {WARNINGS_HAND_OVER, WARNINGS_FOLLOW_UP, CASES_REPORT, CASES_VERIFY, CASES_TOWN_REVIEW,
                           CASES_REJECT, MEASURES_ASSIGN, FINDINGS_DECIDE, ACTIVITIES_RECORD,
                           MEASURES_EVALUATE} | _GRID_OFFICER | _PROJECT_OFFICE | _SURVEY_OFFICE
                | _RECORDS_OFFICE | {HONOURS_APPROVE},
    Role.VILLAGE: _OFFICER | {WARNINGS_FOLLOW_UP, CASES_REPORT, CASES_VERIFY, CASES_VILLAGE_REVIEW,
                              CASES_PROPOSE_ELIMINATION, MEASURES_ASSIGN, ACTIVITIES_RECORD, MEASURES_EVALUATE}
                    | _VISITOR | _PROJECT_OFFICE | {SURVEYS_REVIEW} | _RECORDS_OFFICE | {HONOURS_REVIEW},
    Role.ASSISTANCE: frozenset({PERSONS_READ, PERSON_UNMASK, WARNINGS_FOLLOW_UP, CASES_REPORT, CASES_VERIFY,
                                CASES_PROPOSE_ELIMINATION, MEASURES_ASSIGN, ARCHIVES_READ, ARCHIVES_UPLOAD,
                                HONOURS_NOMINATE}) | _VISITOR | _FIGURES,
    # Activities change the registry (a skill, months of work, ledger rows), which only
    # the offices that keep it may: a department's trainings are recorded by the town.
    Role.DEPARTMENT: frozenset({PERSONS_READ, CASES_REPORT, FEEDS_UPLOAD, FEEDS_REVIEW, MEASURES_EVALUATE,
                                SURVEYS_REPORT}) | _FIGURES,
    # The auditor reads the audit log of its division (scope filters it by division_code).
    # It also audits projects: it decides findings and records its on-site checks, nothing else.
    Role.AUDITOR: frozenset({PERSONS_READ, PERSON_UNMASK, AUDIT_READ, MEASURES_EVALUATE, FINDINGS_AUDIT,
                             SURVEYS_REPORT, ARCHIVES_READ}) | _FIGURES,
    # A researcher reads aggregates only: the evaluation names no one.
    # A survey's report names no one either; its responses are not theirs to read.
    Role.RESEARCHER: frozenset({MEASURES_EVALUATE, SURVEYS_REPORT}) | _FIGURES,
    Role.ADMIN: frozenset(CAPABILITIES) - _CASE_STEPS - _HONOUR_STEPS,
}


def role_may(role: str, capability: str) -> bool:
    if capability not in CAPABILITIES:
        # A typo must not quietly refuse (or grant) everyone.
        raise KeyError(f"unknown capability {capability!r}")
    return capability in ROLE_CAPABILITIES.get(role, frozenset())


def user_may(user, capability: str) -> bool:
    """Whether a signed-in user's role grants `capability` (a superuser has them all)."""
    if not getattr(user, "is_authenticated", False):
        role_may(Role.ADMIN, capability)  # still refuses unknown names
        return False
    return bool(user.is_superuser) or role_may(user.role, capability)


def roles_with(capability: str) -> frozenset[str]:
    return frozenset(role.value for role in Role if role_may(role, capability))
