from __future__ import annotations

from pathlib import Path

from django import forms

from neisheng.transfers.models import UPLOAD_TABLES
from neisheng.transfers.uploads import too_large_message, upload_limit

# Not the legacy .xls: its reader fills the whole grid before a row can be checked.
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".csv")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="文件 file",
        help_text="Excel 工作簿(.xlsx)或 CSV;第一行为表头(中文或英文列名) / first row: headers",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    table = forms.ChoiceField(
        label="表 table",
        choices=[("", "按表头自动识别 detect from the headers"), *UPLOAD_TABLES.items()],
        required=False,
    )

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
            raise forms.ValidationError(
                "只能上传 Excel 工作簿(.xlsx)或 CSV 文件 / only Excel workbooks (.xlsx) or CSV files"
            )
        if upload.size == 0:
            raise forms.ValidationError("文件是空的 / the file is empty")
        return upload
