"""Pages of microloans (扶贫小额信贷): the list with where each loan stands (outstanding,
overdue by how many days, repaid) and its export, a new loan for a household, a loan's
page with its repayments, the repayment form, and the imports of a bank's loans and
repayments (all or nothing). The list, form and import helpers are the activity pages'
(views_work)."""

from __future__ import annotations

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ, user_may
from neisheng.assistance.imports import activity_import
from neisheng.assistance.models import Microcredit
from neisheng.assistance.services import credit
from neisheng.assistance.views_imports import (
    columns_described,
    import_form,
    import_handle,
    import_template_response,
)
from neisheng.assistance.views_work import (
    division_filter,
    errors_onto,
    household_from,
    record_in_scope,
    under_division,
    year_filter,
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
from neisheng.platform.widgets import DateInput
from neisheng.registry.models import Household

STANDINGS = [("overdue", gettext_lazy("已逾期")), ("current", gettext_lazy("未到期")),
             ("repaid", gettext_lazy("已还清"))]
COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("bank", gettext_lazy("放贷银行"), order_by=("bank",)),
    Column("amount", gettext_lazy("贷款金额(元)"), order_by=("amount",), numeric=True, css="primary"),
    Column("lent_on", gettext_lazy("放款日期"), order_by=("lent_on",)),
    Column("due_on", gettext_lazy("到期日期"), order_by=("due_on",)),
    Column("outstanding", gettext_lazy("未还金额(元)"), order_by=("outstanding",), numeric=True),
    Column("standing", gettext_lazy("状态"), css="primary"),
]
EXPORT_HEADERS = ("户编号", "村", "放贷银行", "贷款金额(元)", "放款日期", "到期日期", "已还金额(元)", "未还金额(元)",
                  "状态", "逾期天数")


def _matching(user, query: ListQuery):
    today = timezone.localdate()
    rows = credit.with_outstanding(credit.loans_visible_to(user)).select_related("household__village")
    values = query.values
    rows = under_division(rows, values.get("division"))
    if "year" in values:
        rows = rows.filter(lent_on__year=int(values["year"]))
    standing = values.get("standing")
    if standing == "overdue":
        rows = rows.filter(due_on__lt=today, outstanding__gt=0)
    elif standing == "current":
        rows = rows.filter(due_on__gte=today, outstanding__gt=0)
    elif standing == "repaid":
        rows = rows.filter(outstanding__lte=0)
    if query.q:
        rows = rows.filter(Q(household__household_id__contains=query.q) | Q(bank__contains=query.q))
    return rows


def _standing_words(standing) -> str:
    if standing.overdue:
        return gettext("已逾期")
    return gettext("已还清") if standing.outstanding <= 0 else gettext("未到期")


def _with_standing(loans: list[Microcredit]) -> list[dict]:
    today = timezone.localdate()
    return [{"loan": loan, "standing": credit.loan_standing(loan, today)} for loan in loans]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def credit_list(request):
    """Every loan in the user's division, overdue ones findable by the filter; a POST
    exports every matching loan."""
    user = request.user
    filters = [Filter("standing", gettext_lazy("状态"), choices=STANDINGS),
               year_filter(credit.loans_visible_to(user), "lent_on__year"), division_filter(user, request.GET)]
    query = ListQuery(request.GET, columns=COLUMNS, filters=filters, path=reverse("assistance:credit"),
                      search_label=gettext_lazy("户编号或银行"))
    rows = _matching(user, query)
    if request.method == "POST":
        return _export(request, rows, query)
    counts = counts_cached(user=user, name="microcredit",
                           key={**query.filter_params(), "day": str(timezone.localdate())},
                           compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-lent_on", "-pk"]))], query=query, counts=counts,
                     rows=_with_standing)
    return render(request, "assistance/credit_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS},
        may_record=user_may(user, ACTIVITIES_RECORD)))


def _export(request, rows, query: ListQuery):
    today = timezone.localdate()

    def cells():
        for loan in rows.order_by("household_id", "lent_on", "pk").iterator(chunk_size=2000):
            standing = credit.loan_standing(loan, today)
            yield [loan.household_id, loan.household.village.name, loan.bank, loan.amount, loan.lent_on,
                   loan.due_on, loan.repaid, standing.outstanding, _standing_words(standing), standing.days_overdue]

    return export_response(request, object_type="microcredit", detail={"filters": query.filter_params()},
                           filename="小额信贷-microcredit", title=gettext("小额信贷"),
                           headers=[gettext(h) for h in EXPORT_HEADERS], rows=cells())


class LoanForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("户编号"), max_length=20)
    bank = forms.CharField(label=gettext_lazy("放贷银行"), max_length=100)
    amount = forms.DecimalField(label=gettext_lazy("贷款金额(元)"), max_digits=12, decimal_places=2)
    lent_on = forms.DateField(label=gettext_lazy("放款日期"), widget=DateInput())
    due_on = forms.DateField(label=gettext_lazy("到期日期"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def credit_new(request):
    """A loan lent to a household: /assistance/credit/new/?household=<number> from the
    household's page, or the number typed."""
    household = household_from(request)
    if request.GET.get("household") and household is None:
        raise Http404
    form = LoanForm(request.POST or None)
    if household is not None:
        del form.fields["household"]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = household
        if chosen is None:
            number = data.pop("household").strip()
            chosen = scope.visible_to(request.user, Household).filter(pk=number).first()
            if chosen is None:
                form.add_error("household", gettext("在您管辖范围内的登记中没有这个户编号"))
        if chosen is not None:
            try:
                loan = credit.loan_record(user=request.user, household=chosen, request=request, **data)
            except ValidationError as error:
                errors_onto(form, error)
            else:
                return redirect(reverse("assistance:credit_detail", args=[loan.pk]))
    back = (reverse("registry:household_detail", args=[household.pk]) if household is not None
            else reverse("assistance:credit"))
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("登记小额信贷"), "subject": household.pk if household is not None else "",
        "back_url": back, "cancel_url": back, "submit_label": gettext("登记")})


@requires(PERSONS_READ)
def credit_detail(request, pk: int):
    loan = record_in_scope(request, credit.with_outstanding(Microcredit.objects.select_related(
        "household__village", "measure", "recorded_by")), pk)
    standing = credit.loan_standing(loan)
    return render(request, "assistance/credit_detail.html", {
        "loan": loan, "standing": standing, "repayments": list(loan.repayments.select_related("recorded_by")),
        "may_record": user_may(request.user, ACTIVITIES_RECORD),
    })


class RepaymentForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("还款日期"), widget=DateInput())
    amount = forms.DecimalField(label=gettext_lazy("还款金额(元)"), max_digits=12, decimal_places=2)


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def credit_repay(request, pk: int):
    loan = record_in_scope(request, Microcredit, pk)
    detail_url = reverse("assistance:credit_detail", args=[loan.pk])
    owed = credit.loan_standing(loan).outstanding
    form = RepaymentForm(request.POST or None, initial={"paid_on": timezone.localdate(), "amount": owed})
    form.fields["amount"].help_text = gettext("未还金额 %(owed)s 元") % {"owed": intcomma(owed)}
    if request.method == "POST" and form.is_valid():
        try:
            credit.loan_repayment_record(user=request.user, loan=loan, request=request, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return redirect(detail_url)
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("登记还款"), "subject": loan.household_id, "back_url": detail_url,
        "back_label": gettext("返回贷款"), "cancel_url": detail_url, "submit_label": gettext("登记")},
        status=400 if request.method == "POST" else 200)


def import_view(request, *, kind: str, columns, apply_rows, title: str, list_url: str, template_name: str):
    """An area's import page (the import card of views_imports): a POST imports all or
    nothing and leads to the import's result page; ?template=1 is the blank sheet."""
    if request.method != "POST" and request.GET.get("template"):
        return import_template_response(columns, template_name)
    user = request.user
    status = 200
    if request.method == "POST":
        answer = import_handle(request, run=lambda file: activity_import(
            user=user, kind=kind, file=file, division_code=user.division_id or "", columns=columns,
            apply_rows=apply_rows, request=request))
        if isinstance(answer, HttpResponse):
            return answer
        form, status = answer, 400
    else:
        form = import_form(request)
    return render(request, "assistance/credit_import.html", {
        "title": title, "back_url": list_url, "import_form": form, "import_action": request.path,
        "template_url": f"{request.path}?template=1", "import_columns": columns_described(columns),
    }, status=status)


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def credit_import(request):
    """A bank's list of loans."""
    return import_view(request, kind="microcredit", columns=credit.LOAN_COLUMNS,
                       apply_rows=credit.loans_apply(user=request.user, request=request), title=gettext("导入小额信贷"),
                       list_url=reverse("assistance:credit"), template_name="microcredit")


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def credit_repayments_import(request):
    """A bank's list of repayments, each naming its loan by household or borrower, bank
    and lending date."""
    return import_view(request, kind="microcredit", columns=credit.REPAYMENT_COLUMNS,
                       apply_rows=credit.repayments_apply(user=request.user, request=request),
                       title=gettext("导入还款"), list_url=reverse("assistance:credit"), template_name="repayments")
