from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng.feeds.models import FEED_TYPE_CHOICES
from neisheng.transfers.forms import ACCEPTED_SUFFIXES, SpreadsheetUploadForm


class FeedUploadForm(SpreadsheetUploadForm):
    feed_type = forms.ChoiceField(label=_("数据类型"), choices=[("", _("请选择")), *FEED_TYPE_CHOICES])
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel 工作簿(.xlsx)或 CSV 文件;第一行为表头,中文或英文列名"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
