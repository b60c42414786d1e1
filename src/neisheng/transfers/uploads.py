"""The upload size limit, enforced while the request body arrives.

A file larger than settings.UPLOAD_MAX_BYTES (NEISHENG_UPLOAD_MAX_MB) is skipped by the
multipart parser itself: it never reaches a temporary file, the media folder or a reader,
and the form says why in one sentence. Being the first of FILE_UPLOAD_HANDLERS, the
handler holds for every upload of the site, including the parsing the CSRF middleware
does before any view runs.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

# The form's other fields (CSRF token, table, multipart boundaries) around the file.
FORM_OVERHEAD = 64 * 1024
REFUSED_ATTRIBUTE = "upload_too_large"


def upload_limit() -> int:
    return settings.UPLOAD_MAX_BYTES


def too_large_message() -> str:
    from django.utils.translation import gettext

    size = f"{upload_limit() / (1024 * 1024):g}"
    return gettext("文件超过 %(size)s MB 的上传上限,请拆分后分别上传") % {"size": size}


class SizeLimitedUploadHandler(FileUploadHandler):
    """Skips a file once it exceeds the limit, and marks the request so the form can say so."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A body announced larger than any allowed file is refused at its first file,
        # before a single byte of it is kept.
        self.body_too_large = content_length > upload_limit() + FORM_OVERHEAD

    def _refuse(self):
        if self.request is not None:
            setattr(self.request, REFUSED_ATTRIBUTE, True)
        raise SkipFile()

    def new_file(self, field_name, file_name, content_type, content_length, charset=None,
                 content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset,
                         content_type_extra)
        if getattr(self, "body_too_large", False) or (content_length or 0) > upload_limit():
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > upload_limit():
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None
