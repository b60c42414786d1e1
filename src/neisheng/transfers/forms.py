from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng.transfers.models import UPLOAD_TABLES
from neisheng.transfers.uploads import too_large_message, upload_limit

# Not the legacy .xls: its reader fills the whole grid before a row can be checked.
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".csv")


class SpreadsheetUploadForm(forms.Form):
    """A form with a `file` field taking one workbook or CSV within the upload limit:
    registry uploads and department feeds."""

    def __init__(self, *args, too_large: bool = False, **kwargs):
        """`too_large`: the upload handler skipped the file for its size (uploads.py), so
        it is missing from the request; the form says why instead of "required"."""
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean(self):
        cleaned = super().clean()
        if self.too_large:
            self.errors.pop("file", None)
            self.add_error("file", too_large_message())
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > upload_limit():
            raise forms.ValidationError(too_large_message())
        if Path(upload.name).suffix.lower() not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(_("只能上传 Excel 工作簿(.xlsx)或 CSV 文件"))
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的"))
        return upload


class UploadForm(SpreadsheetUploadForm):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel 工作簿(.xlsx)或 CSV;第一行为表头(中文或英文列名)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    table = forms.ChoiceField(
        label=_("表"),
        choices=[("", _("按表头自动识别")), *UPLOAD_TABLES.items()],
        required=False,
    )

