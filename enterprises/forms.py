from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("名录文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）；第一行为表头。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if not file.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只能导入 .xlsx 或 .csv 文件。"))
        if file.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（上限 200 MB）。"))
        return file
