"""Pages of renovations (双提升): the list (filters village, over the reference, on-site
check; Excel export), a new renovation, its page (items beside their reference price and
maximum, what is over marked, the total against the policy's cap, photos before and after
side by side, the auditor's on-site check and every earlier one), the forms of a line
item, a photo and the check, a photo itself, and the import of line items."""

from __future__ import annotations

import mimetypes
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import FINDINGS_AUDIT, PERSONS_READ, RENOVATIONS_RECORD, user_may
from neisheng.assistance.views_work import (
    division_filter,
    errors_onto,
    household_from,
)
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
from neisheng.projects import selectors_renovations as selectors
from neisheng.projects.forms_renovations import ItemForm, PhotoForm, RenovationForm, SiteCheckForm
from neisheng.projects.models import RenovationPhoto
from neisheng.projects.selectors_projects import projects_visible
from neisheng.projects.services import renovations
from neisheng.projects.views_imports import (
    import_context,
    import_handle,
    import_template_response,
)
from neisheng.registry.api_filters import under
from neisheng.registry.models import Division, Household

OVER = [("price", gettext_lazy("超参考价")), ("quantity", gettext_lazy("超最大数量")),
        ("any", gettext_lazy("超参考价或数量"))]
CHECKS = [("pending", gettext_lazy("待入户核查")), ("confirmed", gettext_lazy("核查属实")),
          ("not_confirmed", gettext_lazy("核查不符"))]
COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("done_on", gettext_lazy("完工日期"), order_by=("done_on",), css="primary"),
    Column("contractor", gettext_lazy("施工方")),
    Column("items", gettext_lazy("明细"), numeric=True),
    Column("total", gettext_lazy("金额合计(元)"), order_by=("total",), numeric=True, css="primary"),
    Column("over", gettext_lazy("超参考")),
    Column("check", gettext_lazy("入户核查")),
]
EXPORT_HEADERS = ("户编号", "村", "完工日期", "施工方", "明细条数", "金额合计(元)", "超参考价", "超最大数量",
                  "入户核查", "核查日期", "核查意见")


def _check_label(state: str) -> str:
    return gettext(str(dict(CHECKS)[state]))


def _matching(user, query: ListQuery, rules):
    rows = selectors.with_flags(selectors.renovations_visible(user), rules).select_related("household__village")
    values = query.values
    if values.get("division"):
        rows = under(rows, "household__village_id", Division.objects.filter(code=values["division"]).first())
    over = values.get("over")
    if over == "price":
        rows = rows.filter(over_price=True)
    elif over == "quantity":
        rows = rows.filter(over_quantity=True)
    elif over == "any":
        rows = rows.filter(over_price=True) | rows.filter(over_quantity=True)
    check = values.get("check")
    if check == "pending":
        rows = rows.filter(site_checked_on__isnull=True)
    elif check == "confirmed":
        rows = rows.filter(site_checked_on__isnull=False, site_checked=True)
    elif check == "not_confirmed":
        rows = rows.filter(site_checked_on__isnull=False, site_checked=False)
    if query.q:
        rows = rows.filter(household__household_id__contains=query.q) | rows.filter(contractor__contains=query.q)
    return rows


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def renovation_list(request):
    """Every renovation of the user's households; a POST exports every matching one."""
    user = request.user
    rules = selectors.renovation_rules()
    filters = [division_filter(user, request.GET), Filter("over", gettext_lazy("超参考"), choices=OVER),
               Filter("check", gettext_lazy("入户核查"), choices=CHECKS)]
    query = ListQuery(request.GET, columns=COLUMNS, filters=filters, path=reverse("projects:renovations"),
                      search_label=gettext_lazy("户编号或施工方"))
    rows = _matching(user, query, rules)
    if request.method == "POST":
        return _export(request, rows, query)
    counts = counts_cached(user=user, name="renovations", key=query.filter_params(), compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-done_on", "-pk"]))], query=query, counts=counts)
    return render(request, "projects/renovations_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS},
        may_record=user_may(user, RENOVATIONS_RECORD)))


def _export(request, rows, query: ListQuery):
    yes, no = gettext("是"), gettext("否")

    def cells():
        for r in rows.order_by("household_id", "done_on", "pk").iterator(chunk_size=2000):
            yield [r.household_id, r.household.village.name, r.done_on, r.contractor, r.item_count, r.total,
                   yes if r.over_price else no, yes if r.over_quantity else no, _check_label(r.site_check_state),
                   r.site_checked_on, r.site_remarks]

    return export_response(request, object_type="renovation", detail={"filters": query.filter_params()},
                           filename="双提升改造-renovations", title=gettext("双提升改造"),
                           headers=[gettext(h) for h in EXPORT_HEADERS], rows=cells())


@requires(PERSONS_READ, RENOVATIONS_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def renovation_new(request):
    """A renovation of a household: /projects/renovations/new/?household=<number> from
    the household's page, or the number typed."""
    user = request.user
    household = household_from(request)
    if request.GET.get("household") and household is None:
        raise Http404
    form = RenovationForm(request.POST or None, projects=projects_visible(user).order_by("name"),
                          household_given=household is not None,
                          initial={"done_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = household
        if chosen is None:
            chosen = scope.visible_to(user, Household).filter(pk=data.pop("household").strip()).first()
            if chosen is None:
                form.add_error("household", gettext("在您管辖范围内的登记中没有这个户编号"))
        if chosen is not None:
            try:
                renovation = renovations.renovation_record(user=user, household=chosen, request=request, **data)
            except ValidationError as error:
                errors_onto(form, error)
            else:
                return redirect("projects:renovation", pk=renovation.pk)
    back = (reverse("registry:household_detail", args=[household.pk]) if household is not None
            else reverse("projects:renovations"))
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("登记双提升改造"), "subject": household.pk if household is not None else "",
        "back_url": back, "cancel_url": back, "submit_label": gettext("登记")},
        status=400 if request.method == "POST" else 200)


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def renovation_detail(request, pk: int):
    user = request.user
    renovation = selectors.renovation_for(user, pk)
    rules = selectors.renovation_rules()
    marks = selectors.item_marks(renovation, rules)
    total = sum((m.item.amount for m in marks), Decimal("0.00"))
    household_total = selectors.household_renovation_total(renovation.household_id)
    photos = list(renovation.photos.all())
    may_check = user_may(user, FINDINGS_AUDIT)
    return render(request, "projects/renovations_detail.html", {
        "renovation": renovation, "marks": marks, "rules": rules, "total": total,
        "household_total": household_total, "over_cap": household_total > rules.cap,
        "eligible": renovation.household.status in rules.statuses,
        "over_items": [m for m in marks if m.over_price or m.over_quantity],
        "before": [p for p in photos if p.moment == RenovationPhoto.Moment.BEFORE],
        "after": [p for p in photos if p.moment == RenovationPhoto.Moment.AFTER],
        "checks": list(renovations.site_checks(renovation)),
        "check_states": dict(CHECKS),
        "may_record": user_may(user, RENOVATIONS_RECORD), "may_check": may_check,
        "check_form": SiteCheckForm(initial={"checked_on": timezone.localdate()}) if may_check else None,
    })


def _form_page(request, form, *, title: str, renovation, submit_label: str, status: int = 200):
    back = reverse("projects:renovation", args=[renovation.pk])
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "subject": renovation.household_id, "back_url": back,
        "back_label": gettext("返回改造"), "cancel_url": back, "submit_label": submit_label}, status=status)


@requires(PERSONS_READ, RENOVATIONS_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def item_new(request, pk: int):
    renovation = selectors.renovation_for(request.user, pk)
    form = ItemForm(request.POST or None, price_list=renovation.price_list)
    if request.method == "POST" and form.is_valid():
        try:
            renovations.renovation_item_add(user=request.user, renovation=renovation, request=request,
                                            **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return redirect("projects:renovation", pk=renovation.pk)
    return _form_page(request, form, title=gettext("添加改造明细"), renovation=renovation,
                      submit_label=gettext("添加"), status=400 if request.method == "POST" else 200)


@requires(PERSONS_READ, RENOVATIONS_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def photo_new(request, pk: int):
    renovation = selectors.renovation_for(request.user, pk)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            renovations.renovation_photo_add(user=request.user, renovation=renovation, request=request,
                                             **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return redirect("projects:renovation", pk=renovation.pk)
    return _form_page(request, form, title=gettext("上传改造照片"), renovation=renovation,
                      submit_label=gettext("上传"), status=400 if request.method == "POST" else 200)


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def photo_file(request, pk: int, photo: int):
    """A photo as it was uploaded, to whoever sees the renovation."""
    renovation = selectors.renovation_for(request.user, pk)
    kept = get_object_or_404(RenovationPhoto, renovation=renovation, pk=photo)
    content_type = mimetypes.guess_type(kept.file.name)[0] or "application/octet-stream"
    response = FileResponse(kept.file.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@requires(PERSONS_READ, FINDINGS_AUDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def site_check(request, pk: int):
    """The auditor's on-site check; the form is on the renovation's page too."""
    renovation = selectors.renovation_for(request.user, pk)
    form = SiteCheckForm(request.POST or None, initial={"checked_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            renovations.renovation_site_check(user=request.user, renovation=renovation, request=request,
                                              **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return redirect("projects:renovation", pk=renovation.pk)
    return _form_page(request, form, title=gettext("入户核查"), renovation=renovation,
                      submit_label=gettext("保存核查"), status=400 if request.method == "POST" else 200)


@requires(PERSONS_READ, RENOVATIONS_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def items_import(request):
    """Line items from Excel, all or nothing; ?template=1 is the blank sheet."""
    user = request.user
    if request.method != "POST" and request.GET.get("template"):
        return import_template_response(renovations.ITEM_COLUMNS, "renovation-items")
    form, status = None, 200
    if request.method == "POST":
        answer = import_handle(request, run=lambda file: renovations.renovation_items_import(
            user=user, file=file, division_code=user.division_id or "", request=request))
        if isinstance(answer, HttpResponse):
            return answer
        form, status = answer, 400
    return render(request, "projects/imports_page.html", {
        "title": gettext("导入改造明细"), "back_url": reverse("projects:renovations"),
        **import_context(request, columns=renovations.ITEM_COLUMNS, template_url=f"{request.path}?template=1",
                         form=form),
    }, status=status)
