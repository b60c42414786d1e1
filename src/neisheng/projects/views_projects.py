"""Pages of the projects core: the list of projects (filters, search, Excel export), a new
project and its edit, the project's page (funds in and out by source, expenditures,
assets, beneficiaries over time, revenue and its distributions per year with a chart,
documents), a form for each of its children, a document's download (audited), and the
imports of projects and of a project's funds, expenditures, beneficiaries and revenue.

Whoever sees a project (selectors_projects) reads its page; the households on it are
shown to roles that read households (persons.read), and only those of their own scope.
Writing needs projects.edit; the project's own records are written within the division
that runs it (services.projects)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, PROJECTS_EDIT, user_may
from neisheng.accounts.services import audit_record
from neisheng.assistance.views_work import errors_onto
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.charts import Cell, DashboardCard, Line, LineChart
from neisheng.platform.exports import export_response
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.projects import forms_projects as forms
from neisheng.projects import imports as imports_projects
from neisheng.projects.models import (
    ZERO,
    Beneficiary,
    Expenditure,
    Fund,
    Project,
    ProjectDocument,
)
from neisheng.projects.selectors_projects import (
    beneficiaries_over_time,
    funds_by_source,
    funds_with_balance,
    project_for,
    projects_visible,
    revenue_by_year,
    yuan,
)
from neisheng.projects.services import projects as services
from neisheng.projects.services.audit import audit_batch
from neisheng.projects.services.imports import Kind, kind_label, projects_import
from neisheng.projects.views_imports import import_context, import_handle, import_template_response
from neisheng.registry.models import Division, Household
from neisheng.registry.selectors.tree import division_filter_choices

EXPORT_BATCH = 2_000
SHOWN_AT_MOST = 200  # rows of a long table on the project's page; the rest are counted

COLUMNS = [
    Column("name", gettext_lazy("项目名称"), order_by=("name",), css="primary"),
    Column("kind", gettext_lazy("项目类型"), order_by=("kind",)),
    Column("division", gettext_lazy("主管区划"), order_by=("division_code",), css="primary"),
    Column("number", gettext_lazy("项目编号"), order_by=("number",)),
    Column("funds", gettext_lazy("资金(元)"), numeric=True),
    Column("spent", gettext_lazy("已支出(元)"), numeric=True),
    Column("balance", gettext_lazy("余额(元)"), numeric=True),
]
EXPORT_HEADERS = ("项目编号", "项目名称", "项目类型", "主管区划代码", "主管区划", "受益区划代码", "开工日期", "建成日期",
                  "管护单位", "资金(元)", "已支出(元)", "余额(元)", "收益合计(元)")


def _may_edit(user, project: Project) -> bool:
    return user_may(user, PROJECTS_EDIT) and scope.code_is_within(user, project.division_code)


def _url_or_none(name: str, *args) -> str | None:
    """A route of another area, when it exists (the plans' and renovations' pages join
    the app as their areas land)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _division_names(codes) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=set(codes)).values_list("code", "name"))


# --------------------------------------------------------------------------- the list


def _filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [Filter("kind", gettext_lazy("项目类型"), choices=Project.Kind.choices),
            Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                   indent=frozenset(d.code for d in divisions if d.level == 5))]


def _matching(user, query: ListQuery):
    rows = projects_visible(user)
    values = query.values
    if values.get("kind"):
        rows = rows.filter(kind=values["kind"])
    if values.get("division"):
        division = Division.objects.get(code=values["division"])
        # A project belongs under a division it is run in or serves.
        rows = rows.filter(Q(division_code__startswith=division.prefix)
                           | Q(divisions__division_code__startswith=division.prefix)).distinct()
    if query.q:
        rows = rows.filter(Q(name__contains=query.q) | Q(number__contains=query.q)
                           | Q(division_code__startswith=query.q))
    return rows


def _money_of(project_ids) -> dict[int, dict]:
    """Funds in, spent and balance per project, for a page (or a batch) of projects."""
    funds = dict(Fund.objects.filter(project_id__in=project_ids).values("project_id").annotate(t=Sum("amount"))
                 .values_list("project_id", "t"))
    spent = dict(Expenditure.objects.filter(fund__project_id__in=project_ids).values("fund__project_id")
                 .annotate(t=Sum("amount")).values_list("fund__project_id", "t"))
    out = {}
    for pk in project_ids:
        amount, used = yuan(funds.get(pk)), yuan(spent.get(pk))
        out[pk] = {"funds": amount, "spent": used, "balance": amount - used}
    return out


def _with_money(projects: list) -> list:
    money = _money_of([p.pk for p in projects])
    names = _division_names(p.division_code for p in projects)
    for project in projects:
        project.money = money[project.pk]
        project.division_name = names.get(project.division_code, "")
    return projects


def _export(request, rows, query):
    from neisheng.projects.models import Revenue

    def batches():
        batch: list = []
        for project in rows.order_by("division_code", "pk").prefetch_related("divisions").iterator(
                chunk_size=EXPORT_BATCH):
            batch.append(project)
            if len(batch) == EXPORT_BATCH:
                yield from cells_of(batch)
                batch = []
        yield from cells_of(batch)

    def cells_of(batch):
        if not batch:
            return
        ids = [p.pk for p in batch]
        money = _money_of(ids)
        revenue = dict(Revenue.objects.filter(project_id__in=ids).values("project_id").annotate(t=Sum("amount"))
                       .values_list("project_id", "t"))
        names = _division_names(p.division_code for p in batch)
        for p in batch:
            m = money[p.pk]
            yield [p.number, p.name, str(p.get_kind_display()), p.division_code, names.get(p.division_code, ""),
                   "、".join(d.division_code for d in p.divisions.all()), p.started_on or "", p.completed_on or "",
                   p.manager, m["funds"], m["spent"], m["balance"], yuan(revenue.get(p.pk))]

    # "kind" is named apart from other lists' kinds in the audit log's sentences.
    filters = {("project_kind" if k == "kind" else k): v for k, v in query.filter_params().items()}
    return export_response(request, object_type="project_list", detail={"filters": filters},
                           filename="项目-projects", title=pgettext("projects", "项目"),
                           headers=[gettext(h) for h in EXPORT_HEADERS], rows=batches())


@requires()
@require_http_methods(["GET", "HEAD", "POST"])
def project_list(request):
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET),
                      path=reverse("projects:list"), search_label=gettext_lazy("项目名称、编号或区划代码"))
    rows = _matching(user, query)
    if request.method == "POST":
        return _export(request, rows, query)
    counts = counts_cached(user=user, name="projects", key=query.filter_params(), compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["division_code", "name", "pk"]))], query=query,
                     counts=counts, rows=_with_money)
    return render(request, "projects/projects_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS},
        may_edit=user_may(user, PROJECTS_EDIT)))


# --------------------------------------------------------------------------- new and edit


def _form_page(request, form, *, title: str, back_url: str, subject: str = "", status: int = 200, **more):
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "subject": subject, "back_url": back_url, "cancel_url": back_url, **more},
        status=status)


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def project_new(request):
    form = forms.ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_create(user=request.user, request=request, **data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return redirect("projects:detail", pk=project.pk)
    return _form_page(request, form, title=gettext("新建项目"), back_url=reverse("projects:list"))


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def project_edit(request, pk: int):
    project = project_for(request.user, pk)
    if not _may_edit(request.user, project):
        raise PermissionDenied("只有项目主管区划的用户可以修改项目 / only users of the division that runs the "
                               "project may change it")
    initial = {f: getattr(project, f) for f in ("number", "name", "kind", "started_on", "completed_on", "manager",
                                                "description")}
    initial["served_codes"] = list(project.divisions.values_list("division_code", flat=True))
    form = forms.ProjectForm(request.POST or None, user=request.user, editing=True, initial=initial)
    back = reverse("projects:detail", args=[project.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(user=request.user, project=project, request=request, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return redirect(back)
    return _form_page(request, form, title=gettext("修改项目"), subject=project.name, back_url=back)


# --------------------------------------------------------------------------- the project's page


def revenue_card(user, project: Project, years: list[dict]) -> DashboardCard:
    """Revenue received and dividends paid per year: a line each, the same numbers as a
    table, exported by the card's button."""
    labels = [str(y["year"]) for y in years]
    revenue, paid = gettext("收益(元)"), gettext("已发放分红(元)")
    return DashboardCard(
        key="project-revenue", title=gettext("收益与分红"),
        chart=LineChart(labels, [Line(revenue, [y["revenue"] for y in years]),
                                 Line(paid, [y["paid"] for y in years], tone="green")]) if years else None,
        headers=[gettext("年度"), revenue, paid],
        rows=[[Cell(str(y["year"])), Cell(y["revenue"]), Cell(y["paid"])] for y in years],
        total=[Cell(gettext("合计")), Cell(sum((y["revenue"] for y in years), ZERO)),
               Cell(sum((y["paid"] for y in years), ZERO))] if years else None,
        export_action="", note=gettext("分红按发放年度计,只含您管辖范围内的农户。"))


def _beneficiary_rows(user, project: Project):
    rows = scope.visible_to(user, Beneficiary.objects.filter(project=project)).select_related("household__village")
    return rows.order_by("ends_on", "household_id", "starts_on")


@requires()
@require_http_methods(["GET", "HEAD", "POST"])
def project_detail(request, pk: int):
    user = request.user
    project = project_for(user, pk)
    years = revenue_by_year(user, project)
    card = revenue_card(user, project, years)
    if request.method == "POST":
        if request.POST.get("card") != card.key:
            raise Http404
        headers, rows = card.table()
        return export_response(request, object_type="project", detail={"card": card.key, "project": project.pk},
                               filename=f"项目收益-{project.pk}", title=gettext("收益与分红"), headers=headers,
                               rows=rows)
    today = timezone.localdate()
    by_source = funds_by_source(project)
    totals = {k: sum((r[k] for r in by_source), ZERO) for k in ("amount", "spent", "balance")}
    expenditures = Expenditure.objects.filter(fund__project=project).select_related("fund").order_by(
        "-spent_on", "-pk")
    reads_households = user_may(user, PERSONS_READ)
    beneficiaries = _beneficiary_rows(user, project) if reads_households else Beneficiary.objects.none()
    for year in years:
        for revenue in year["items"]:
            for plan in revenue.plan_list:
                plan.url = _url_or_none("projects:plan", plan.pk)
    served = list(project.divisions.values_list("division_code", flat=True))
    names = _division_names([project.division_code, *served])
    may_edit = _may_edit(user, project)
    return render(request, "projects/projects_detail.html", {
        "project": project, "division_name": names.get(project.division_code, ""),
        "served": [(code, names.get(code, "")) for code in served],
        "by_source": by_source, "totals": totals, "funds": funds_with_balance(project),
        "expenditures": expenditures[:SHOWN_AT_MOST], "expenditure_count": expenditures.count(),
        "assets": project.assets.order_by("pk"),
        "reads_households": reads_households,
        "beneficiaries": beneficiaries[:SHOWN_AT_MOST], "beneficiary_count": beneficiaries.count(),
        "over_time": beneficiaries_over_time(user, project, today=today),
        "years": years, "card": card,
        "documents": project.documents.select_related("uploaded_by").order_by("-uploaded_at", "pk"),
        "may_edit": may_edit, "may_add_beneficiary": user_may(user, PROJECTS_EDIT),
        "plan_new_url": _url_or_none("projects:plan_new", project.pk),
        "renovations_url": _url_or_none("projects:renovations"),
        "sheets": [(kind, kind_label(kind)) for kind in imports_projects.PROJECT_SHEETS],
        "today": today,
    })


# --------------------------------------------------------------------------- a project's children


def _child_page(request, pk: int, *, form_class, title: str, save: Callable, form_kwargs: dict | None = None,
                editor_only: bool = True, initial: dict | None = None, aliases: dict | None = None):
    """A form adding one record to the project: on success back to the project's page,
    else the form with the service's refusal on its fields."""
    project = project_for(request.user, pk)
    if editor_only and not _may_edit(request.user, project):
        raise PermissionDenied("只有项目主管区划的用户可以修改项目 / only users of the division that runs the "
                               "project may change it")
    kwargs = (form_kwargs or (lambda p: {}))(project)
    form = form_class(request.POST or None, request.FILES or None, initial=initial or {}, **kwargs)
    back = reverse("projects:detail", args=[project.pk])
    if request.method == "POST" and form.is_valid():
        try:
            save(project, form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error, aliases)
        else:
            return redirect(back)
    return _form_page(request, form, title=title, subject=project.name, back_url=back)


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def fund_new(request, pk: int):
    return _child_page(request, pk, form_class=forms.FundForm, title=gettext("登记资金到位"),
                       initial={"received_on": timezone.localdate()},
                       save=lambda project, data: services.fund_add(user=request.user, project=project,
                                                                    request=request, **data))


def _fund_choices(project: Project) -> list[tuple[str, str]]:
    return [(str(f.pk), f"#{f.pk} {f.get_source_display()} {f.document_no} · {gettext('余额')} {f.balance:,.2f}")
            for f in funds_with_balance(project)]


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def expenditure_new(request, pk: int):
    def save(project, data):
        fund = Fund.objects.filter(project=project, pk=data.pop("fund")).first()
        if fund is None:
            raise ValidationError({"fund": [gettext("请选择资金。")]})
        return services.expenditure_add(user=request.user, fund=fund, request=request, **data)

    return _child_page(request, pk, form_class=forms.ExpenditureForm, title=gettext("登记资金支出"),
                       form_kwargs=lambda project: {"funds": _fund_choices(project)},
                       initial={"spent_on": timezone.localdate()}, save=save)


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def asset_new(request, pk: int):
    return _child_page(request, pk, form_class=forms.AssetForm, title=gettext("登记项目资产"),
                       save=lambda project, data: services.asset_add(user=request.user, project=project,
                                                                     request=request, **data))


@requires(PERSONS_READ, PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def beneficiary_new(request, pk: int):
    def save(project, data):
        number = data.pop("household").strip()
        household = scope.visible_to(request.user, Household).filter(pk=number).first()
        if household is None:
            raise ValidationError({"household": [gettext("在您管辖范围内的登记中没有这个户编号")]})
        return services.beneficiary_add(user=request.user, project=project, household=household, request=request,
                                        **data)

    initial = {"starts_on": timezone.localdate(), "household": (request.GET.get("household") or "").strip()}
    return _child_page(request, pk, form_class=forms.BeneficiaryForm, title=gettext("登记受益户"), save=save,
                       editor_only=False, initial=initial)


@requires(PERSONS_READ, PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def beneficiary_end(request, pk: int, beneficiary: int):
    project = project_for(request.user, pk)
    record = scope.visible_to(request.user, Beneficiary.objects.filter(project=project)).filter(
        pk=beneficiary).select_related("household").first()
    if record is None:
        raise Http404
    form = forms.BeneficiaryEndForm(request.POST or None, initial={"ends_on": timezone.localdate()})
    back = reverse("projects:detail", args=[project.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.beneficiary_end(user=request.user, beneficiary=record, request=request, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return redirect(back)
    return _form_page(request, form, title=gettext("登记受益结束"), subject=record.household_id, back_url=back)


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def revenue_new(request, pk: int):
    today = timezone.localdate()
    return _child_page(request, pk, form_class=forms.RevenueForm, title=gettext("登记项目收益"),
                       initial={"year": today.year, "received_on": today},
                       save=lambda project, data: services.revenue_add(user=request.user, project=project,
                                                                       request=request, **data))


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def document_new(request, pk: int):
    return _child_page(request, pk, form_class=forms.DocumentForm, title=gettext("上传项目文件"),
                       save=lambda project, data: services.document_add(user=request.user, project=project,
                                                                        request=request, **data))


@requires()
@require_http_methods(["GET", "HEAD"])
def document_download(request, pk: int, document: int):
    """The document as it was uploaded; every download is in the audit log."""
    project = project_for(request.user, pk)
    record = ProjectDocument.objects.filter(project=project, pk=document).first()
    if record is None:
        raise Http404
    audit_record(user=request.user, action="export", division_code=project.division_code,
                 object_type="project_document", object_id=str(record.pk),
                 detail={"project": project.pk, "file": record.file_name, "sha256": record.sha256}, request=request)
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=record.file_name)


# --------------------------------------------------------------------------- imports


def _import_page(request, *, kind: str, columns, apply_rows: Callable, division_code: str, title: str,
                 back_url: str, project: Project | None = None):
    status = 200
    form = None
    if request.method == "POST":
        def run(file):
            # The audit's checks run once for the sheet, not once per row.
            with audit_batch():
                return projects_import(user=request.user, kind=kind, file=file, division_code=division_code,
                                       columns=columns, apply_rows=apply_rows, project=project, request=request)

        answer = import_handle(request, run=run)
        if hasattr(answer, "status_code"):
            return answer
        form, status = answer, 400
    return render(request, "projects/imports_page.html", {
        "title": title, "subject": project.name if project else "", "back_url": back_url,
        **import_context(request, columns=columns, form=form,
                         template_url=reverse("projects:import_template", args=[kind]))}, status=status)


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def projects_import_page(request):
    user = request.user
    if not user.division_id:
        raise PermissionDenied("导入项目需要所在区划 / importing projects needs a division")
    return _import_page(request, kind=Kind.PROJECTS, columns=imports_projects.PROJECT_COLUMNS,
                        apply_rows=imports_projects.project_rows_apply(user, request), division_code=user.division_id,
                        title=gettext("导入项目"), back_url=reverse("projects:list"))


@requires(PERSONS_READ, PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def project_sheet_import(request, pk: int, kind: str):
    if kind not in imports_projects.PROJECT_SHEETS:
        raise Http404
    project = project_for(request.user, pk)
    if kind != Kind.BENEFICIARIES and not _may_edit(request.user, project):
        raise PermissionDenied("只有项目主管区划的用户可以修改项目 / only users of the division that runs the "
                               "project may change it")
    columns = imports_projects.PROJECT_SHEETS[kind][0]
    # Beneficiaries are kept under the importer's division when they are a served
    # village's own; the project's other sheets under the project's division.
    division_code = project.division_code if scope.code_is_within(request.user, project.division_code) \
        else request.user.division_id
    return _import_page(request, kind=kind, columns=columns,
                        apply_rows=imports_projects.project_sheet_apply(kind, request.user, project, request),
                        division_code=division_code, title=gettext("导入%(sheet)s") % {"sheet": kind_label(kind)},
                        back_url=reverse("projects:detail", args=[project.pk]), project=project)


@requires(PROJECTS_EDIT)
@require_http_methods(["GET", "HEAD"])
def import_template(request, kind: str):
    if kind == Kind.PROJECTS:
        return import_template_response(imports_projects.PROJECT_COLUMNS, "项目-projects")
    if kind not in imports_projects.PROJECT_SHEETS:
        raise Http404
    columns, name = imports_projects.PROJECT_SHEETS[kind]
    return import_template_response(columns, name)
