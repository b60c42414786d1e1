"""Pages of job placements (就业帮扶) and public-welfare posts (公益岗位): the list with its
export, a new one (for a member typed by ID number, or chosen from a household's
members), its page with the end of it, and the import of results. The industry pages
(views_industry) reuse the helpers at the top."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.assistance import imports
from neisheng.assistance.models import ActivityImport, JobPlacement, WelfarePost
from neisheng.assistance.services import work
from neisheng.assistance.views_imports import (
    columns_described,
    import_handle,
    import_template_response,
)
from neisheng.divisions import PREFIX_LENGTH
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.platform.widgets import DateInput, blank_choices_named
from neisheng.registry.forms import village_picker
from neisheng.registry.models import Division, Household, Person
from neisheng.registry.selectors.tree import division_filter_choices

STATE_CHOICES = [("active", gettext_lazy("在岗")), ("ended", gettext_lazy("已离岗"))]
EXPORT_BATCH = 2_000

# --------------------------------------------------------------------------- shared helpers


def division_filter(user, params) -> Filter:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                  indent=frozenset(d.code for d in divisions if d.level == 5))


def year_filter(rows, field: str = "year") -> Filter:
    years = sorted({y for y in rows.values_list(field, flat=True).distinct() if y}, reverse=True)
    return Filter("year", gettext_lazy("年度"), choices=[(str(y), str(y)) for y in years], translate=False)


def under_division(rows, code: str | None):
    if not code:
        return rows
    division = Division.objects.get(code=code)
    return rows.filter(household__village_id__startswith=division.code[: PREFIX_LENGTH[division.level]])


def scoped_list(request, *, model, name: str, columns, filters, matching: Callable, template: str,
                path: str, export: Callable, search_label, **more):
    """One list page: the scoped rows `matching(query)` returns, cached exact count,
    the page, or on POST every matching row as a workbook."""
    query = ListQuery(request.GET, columns=columns, filters=filters, path=path, search_label=search_label)
    rows = matching(query)
    if request.method == "POST":
        return export(request, rows, query)
    counts = counts_cached(user=request.user, name=name, key=query.filter_params(), compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-pk"]))], query=query, counts=counts)
    return render(request, template, list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in columns},
        may_record=user_may(request.user, ACTIVITIES_RECORD), **more))


def export_batches(rows, to_cells: Callable):
    for record in rows.iterator(chunk_size=EXPORT_BATCH):
        yield to_cells(record)


def errors_onto(form: forms.Form, error: ValidationError, aliases: dict | None = None) -> None:
    """A service's refusal, field by field, onto the form (unknown fields at the top)."""
    aliases = aliases or {}
    for field, messages in error.message_dict.items():
        field = aliases.get(field, field)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def record_in_scope(request, model, pk: int):
    record = scope.visible_to(request.user, model).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def household_from(request) -> Household | None:
    number = (request.GET.get("household") or "").strip()
    if not number:
        return None
    return scope.visible_to(request.user, Household).filter(pk=number).first()


class EndForm(forms.Form):
    ends_on = forms.DateField(label=gettext_lazy("离岗日期"), widget=DateInput())


def end_page(request, record, *, end: Callable, title: str, detail_url: str, form_class=EndForm,
             field: str = "ends_on"):
    form = form_class(request.POST or None, initial={field: timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            end(form.cleaned_data[field])
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return redirect(detail_url)
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "subject": f"#{record.pk}", "back_url": detail_url,
        "cancel_url": detail_url, "submit_label": gettext("确认")})


def import_page(request, *, kind: str, columns, apply_rows: Callable, title: str, list_url: str,
                template_url: str):
    """The upload form of one kind's results; a POST imports all or nothing and shows
    the import's result page (assistance:import_detail), or the form again with why the
    file was not taken."""
    user = request.user
    status = 200
    form = imports.ActivityImportForm()
    if request.method == "POST":
        answer = import_handle(request, run=lambda file: imports.activity_import(
            user=user, kind=kind, file=file, division_code=user.division_id or "", columns=columns,
            apply_rows=apply_rows, request=request))
        if hasattr(answer, "status_code"):
            return answer
        form, status = answer, 400
    return render(request, "assistance/work_import.html", {
        "title": title, "back_url": list_url, "import_form": form, "import_action": request.path,
        "template_url": template_url, "import_columns": columns_described(columns)}, status=status)


def rows_refused(row: dict, error: Exception, columns_by_field: dict) -> list:
    """A service's refusal of one row as the import's problems of that row, with the
    row's value of the column named."""
    found = []
    for one in imports.refusal_problems(row["row"], error, columns_by_field):
        column = next((c for c in columns_by_field.values() if c.name == one.column), None)
        value = imports.problem(row["row"], column, row.get(column.name), "", "").value if column else ""
        found.append(imports.RowProblem(one.row, one.column, value, one.reason_zh, one.reason_en, one.column_zh))
    return found


def member_field(request, household: Household | None, form: forms.Form) -> None:
    """The member: chosen among a household's living members, or typed by ID number."""
    if household is not None:
        members = household.members.filter(alive=True).order_by("birth_date", "person_id")
        form.fields["person"] = forms.ChoiceField(
            label=gettext_lazy("成员"),
            choices=[("", gettext("请选择"))] + [(p.person_id, f"{p.name} {mask_id_number(p.person_id)}")
                                               for p in members],
            widget=forms.Select(attrs={"translate": "no"}))
    else:
        form.fields["person"] = forms.CharField(label=gettext_lazy("证件号码"), max_length=18)


def person_chosen(request, value: str) -> Person | None:
    return scope.visible_to(request.user, Person).filter(pk=(value or "").strip().upper()).first()


def _person_name(record) -> str:
    return record.person.name if record.person_id else ""


# --------------------------------------------------------------------------- job placements

PLACEMENT_COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("person", gettext_lazy("姓名"), css="primary"),
    Column("employer", gettext_lazy("用工单位"), order_by=("employer",)),
    Column("job", gettext_lazy("岗位")),
    Column("starts_on", gettext_lazy("上岗日期"), order_by=("starts_on",)),
    Column("months", gettext_lazy("务工月数"), order_by=("months",), numeric=True),
    Column("monthly_wage", gettext_lazy("月工资(元)"), order_by=("monthly_wage",), numeric=True),
    Column("state", gettext_lazy("状态")),
]
PLACEMENT_HEADERS = ("户编号", "村", "姓名", "证件号码", "用工单位", "岗位", "上岗日期", "离岗日期", "收入年度",
                     "务工月数", "月工资(元)", "工资合计(元)")


def _work_rows(user, model, query: ListQuery, search_fields: tuple[str, ...]):
    rows = scope.visible_to(user, model).select_related("person", "household__village")
    values = query.values
    rows = under_division(rows, values.get("division"))
    if "year" in values:
        rows = rows.filter(year=int(values["year"]))
    if values.get("state") == "active":
        rows = rows.filter(ends_on__isnull=True)
    elif values.get("state") == "ended":
        rows = rows.filter(ends_on__isnull=False)
    q = query.q
    if q:
        from django.db.models import Q

        condition = Q(household__household_id__contains=q) | Q(person__name__startswith=q)
        for name in search_fields:
            condition |= Q(**{f"{name}__contains": q})
        rows = rows.filter(condition)
    return rows


def _work_filters(user, model, params) -> list[Filter]:
    return [year_filter(scope.visible_to(user, model)),
            Filter("state", gettext_lazy("状态"), choices=STATE_CHOICES), division_filter(user, params)]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def placement_list(request):
    user = request.user

    def export(request, rows, query):
        def cells(p: JobPlacement):
            return [p.household_id, p.household.village.name, _person_name(p), mask_id_number(p.person_id or ""),
                    p.employer, p.job, p.starts_on, p.ends_on or "", p.year, p.months, p.monthly_wage,
                    p.months * p.monthly_wage]

        return export_response(request, object_type="job_placement", detail={"filters": query.filter_params()},
                               filename="就业帮扶-placements", title=gettext("就业帮扶"),
                               headers=[gettext(h) for h in PLACEMENT_HEADERS],
                               rows=export_batches(rows.order_by("household_id", "pk"), cells))

    return scoped_list(request, model=JobPlacement, name="job-placements", columns=PLACEMENT_COLUMNS,
                       filters=_work_filters(user, JobPlacement, request.GET),
                       matching=lambda query: _work_rows(user, JobPlacement, query, ("employer",)),
                       template="assistance/placements_list.html", path=reverse("assistance:placements"),
                       export=export, search_label=gettext_lazy("户编号、姓名或用工单位"))


class PlacementForm(forms.Form):
    employer = forms.CharField(label=gettext_lazy("用工单位"), max_length=100)
    job = forms.CharField(label=gettext_lazy("岗位"), max_length=60, required=False)
    starts_on = forms.DateField(label=gettext_lazy("上岗日期"), widget=DateInput())
    year = forms.IntegerField(label=gettext_lazy("收入年度"), required=False, min_value=2000, max_value=2100,
                              help_text=gettext_lazy("留空:上岗日期所在年度"))
    months = forms.IntegerField(label=gettext_lazy("务工月数"), min_value=1, max_value=12)
    monthly_wage = forms.DecimalField(label=gettext_lazy("月工资(元)"), min_value=0, max_digits=10, decimal_places=2)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _new_work(request, *, form_class, record: Callable, title: str, detail_name: str, list_url: str):
    household = household_from(request)
    if request.GET.get("household") and household is None:
        raise Http404
    form = form_class(request.POST or None)
    member_field(request, household, form)
    form.order_fields(["person"])
    blank_choices_named(form)
    if request.method == "POST" and form.is_valid():
        person = person_chosen(request, form.cleaned_data["person"])
        if person is None or (household is not None and person.household_id != household.pk):
            form.add_error("person", gettext("在您管辖范围内的登记中没有这个证件号码"))
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "person"}
            try:
                done = record(person=person, data=data)
            except ValidationError as error:
                errors_onto(form, error)
            else:
                return redirect(reverse(detail_name, args=[done.pk]))
    back = reverse("registry:household_detail", args=[household.pk]) if household is not None else list_url
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "subject": household.pk if household is not None else "",
        "back_url": back, "cancel_url": back})


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def placement_new(request):
    def record(*, person, data):
        return work.placement_record(user=request.user, person=person, request=request, **data)

    return _new_work(request, form_class=PlacementForm, record=record, title=gettext("登记就业帮扶"),
                     detail_name="assistance:placement", list_url=reverse("assistance:placements"))


@requires(PERSONS_READ)
def placement_detail(request, pk: int):
    placement = record_in_scope(request, JobPlacement.objects.select_related("person", "household__village",
                                                                            "measure"), pk)
    return render(request, "assistance/placements_detail.html", {
        "record": placement, "id_masked": mask_id_number(placement.person_id or ""),
        "total": placement.months * placement.monthly_wage,
        "may_record": user_may(request.user, ACTIVITIES_RECORD),
    })


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def placement_end(request, pk: int):
    placement = record_in_scope(request, JobPlacement, pk)
    detail_url = reverse("assistance:placement", args=[placement.pk])
    return end_page(request, placement, title=gettext("登记离岗"), detail_url=detail_url,
                    end=lambda on: work.placement_end(user=request.user, placement=placement, ends_on=on,
                                                      request=request))


PLACEMENT_IMPORT_COLUMNS = [
    imports.ImportColumn("id_number", "证件号码", "id_number"),
    imports.ImportColumn("employer", "用工单位", "text", max_length=100),
    imports.ImportColumn("job", "岗位", "text", required=False, max_length=60),
    imports.ImportColumn("starts_on", "上岗日期", "date"),
    imports.ImportColumn("months", "务工月数", "int", minimum=1, maximum=12),
    imports.ImportColumn("monthly_wage", "月工资", "decimal", minimum=0),
]


def placement_rows_apply(user, request=None) -> Callable:
    columns = {c.name: c for c in PLACEMENT_IMPORT_COLUMNS}

    def apply_rows(rows: list[dict]) -> list:
        persons, problems = imports.persons_resolve(user=user, rows=rows, id_column=columns["id_number"],
                                                    once=False)
        # Every row is tried, so one upload names every bad row (all is rolled back if any).
        for row in (r for r in rows if r["row"] in persons):
            try:
                work.placement_record(user=user, person=persons[row["row"]], employer=row["employer"],
                                      job=row["job"] or "", starts_on=row["starts_on"], months=row["months"],
                                      monthly_wage=row["monthly_wage"], request=request)
            except ValidationError as error:
                problems += rows_refused(row, error, {**columns, "person": columns["id_number"]})
        return problems

    return apply_rows


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def placement_import(request):
    return import_page(request, kind=ActivityImport.Kind.JOB_PLACEMENT, columns=PLACEMENT_IMPORT_COLUMNS,
                       apply_rows=placement_rows_apply(request.user, request), title=gettext("导入就业帮扶"),
                       list_url=reverse("assistance:placements"),
                       template_url=reverse("assistance:placement_import_template"))


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD"])
def placement_import_template(request):
    return import_template_response(PLACEMENT_IMPORT_COLUMNS, "就业帮扶-placements")


# --------------------------------------------------------------------------- welfare posts

POST_COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("person", gettext_lazy("姓名"), css="primary"),
    Column("post", gettext_lazy("岗位"), order_by=("post",)),
    Column("village", gettext_lazy("服务村"), order_by=("village_id",)),
    Column("starts_on", gettext_lazy("上岗日期"), order_by=("starts_on",)),
    Column("months", gettext_lazy("在岗月数"), order_by=("months",), numeric=True),
    Column("monthly_pay", gettext_lazy("月补贴(元)"), order_by=("monthly_pay",), numeric=True),
    Column("state", gettext_lazy("状态")),
]
POST_HEADERS = ("户编号", "村", "姓名", "证件号码", "岗位", "服务村", "上岗日期", "离岗日期", "收入年度", "在岗月数",
                "月补贴(元)", "补贴合计(元)")


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def post_list(request):
    user = request.user

    def matching(query):
        return _work_rows(user, WelfarePost, query, ("post",)).select_related("village")

    def export(request, rows, query):
        def cells(p: WelfarePost):
            return [p.household_id, p.household.village.name, _person_name(p), mask_id_number(p.person_id or ""),
                    p.post, p.village.name, p.starts_on, p.ends_on or "", p.year, p.months, p.monthly_pay,
                    p.months * p.monthly_pay]

        return export_response(request, object_type="welfare_post", detail={"filters": query.filter_params()},
                               filename="公益岗位-welfare-posts", title=gettext("公益岗位"),
                               headers=[gettext(h) for h in POST_HEADERS],
                               rows=export_batches(rows.order_by("household_id", "pk"), cells))

    return scoped_list(request, model=WelfarePost, name="welfare-posts", columns=POST_COLUMNS,
                       filters=_work_filters(user, WelfarePost, request.GET), matching=matching,
                       template="assistance/posts_list.html", path=reverse("assistance:posts"),
                       export=export, search_label=gettext_lazy("户编号、姓名或岗位"))


class PostForm(forms.Form):
    post = forms.CharField(label=gettext_lazy("岗位"), max_length=60)
    village = forms.ModelChoiceField(label=gettext_lazy("服务村"), queryset=Division.objects.none())
    starts_on = forms.DateField(label=gettext_lazy("上岗日期"), widget=DateInput())
    year = forms.IntegerField(label=gettext_lazy("收入年度"), required=False, min_value=2000, max_value=2100,
                              help_text=gettext_lazy("留空:上岗日期所在年度"))
    months = forms.IntegerField(label=gettext_lazy("在岗月数"), min_value=1, max_value=12)
    monthly_pay = forms.DecimalField(label=gettext_lazy("月补贴(元)"), min_value=0, max_digits=10, decimal_places=2)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def post_new(request):
    user = request.user

    class ScopedPostForm(PostForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            village_picker(user, self.fields["village"])
            household = household_from(request)
            if household is not None:
                self.fields["village"].initial = household.village_id

    def record(*, person, data):
        return work.post_record(user=user, person=person, request=request, **data)

    return _new_work(request, form_class=ScopedPostForm, record=record, title=gettext("登记公益岗位"),
                     detail_name="assistance:post", list_url=reverse("assistance:posts"))


@requires(PERSONS_READ)
def post_detail(request, pk: int):
    post = record_in_scope(request, WelfarePost.objects.select_related("person", "household__village", "village",
                                                                      "measure"), pk)
    return render(request, "assistance/posts_detail.html", {
        "record": post, "id_masked": mask_id_number(post.person_id or ""), "total": post.months * post.monthly_pay,
        "may_record": user_may(request.user, ACTIVITIES_RECORD),
    })


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def post_end(request, pk: int):
    post = record_in_scope(request, WelfarePost, pk)
    detail_url = reverse("assistance:post", args=[post.pk])
    return end_page(request, post, title=gettext("登记离岗"), detail_url=detail_url,
                    end=lambda on: work.post_end(user=request.user, post=post, ends_on=on, request=request))


POST_IMPORT_COLUMNS = [
    imports.ImportColumn("id_number", "证件号码", "id_number"),
    imports.ImportColumn("post", "岗位", "text", max_length=60),
    imports.ImportColumn("village_code", "服务村代码", "text", max_length=12),
    imports.ImportColumn("starts_on", "上岗日期", "date"),
    imports.ImportColumn("months", "在岗月数", "int", minimum=1, maximum=12),
    imports.ImportColumn("monthly_pay", "月补贴", "decimal", minimum=0),
]


def post_rows_apply(user, request=None) -> Callable:
    columns = {c.name: c for c in POST_IMPORT_COLUMNS}

    def apply_rows(rows: list[dict]) -> list:
        persons, problems = imports.persons_resolve(user=user, rows=rows, id_column=columns["id_number"],
                                                    once=False)
        # Every row is tried, so one upload names every bad row (all is rolled back if any).
        for row in (r for r in rows if r["row"] in persons):
            try:
                work.post_record(user=user, person=persons[row["row"]], post=row["post"],
                                 village=row["village_code"], starts_on=row["starts_on"], months=row["months"],
                                 monthly_pay=row["monthly_pay"], request=request)
            except ValidationError as error:
                problems += rows_refused(row, error, {**columns, "person": columns["id_number"],
                                                              "village": columns["village_code"]})
        return problems

    return apply_rows


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def post_import(request):
    return import_page(request, kind=ActivityImport.Kind.WELFARE_POST, columns=POST_IMPORT_COLUMNS,
                       apply_rows=post_rows_apply(request.user, request), title=gettext("导入公益岗位"),
                       list_url=reverse("assistance:posts"),
                       template_url=reverse("assistance:post_import_template"))


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD"])
def post_import_template(request):
    return import_template_response(POST_IMPORT_COLUMNS, "公益岗位-welfare-posts")


