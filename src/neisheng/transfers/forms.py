from __future__ import annotations

from pathlib import Path

from django import forms

from neisheng.transfers.models import UPLOAD_TABLES

ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(
                "只能上传 Excel 工作簿(.xlsx)或 CSV 文件 / only Excel workbooks (.xlsx) or CSV files"
            )
        if upload.size == 0:
            raise forms.ValidationError("文件是空的 / the file is empty")
        return upload
