"""The archives on an S3-compatible store (production, through django-storages): the
same upload, new version, download and checksum, against moto's local S3 server on
127.0.0.1 (a free port) with settings.STORAGES pointed at storages.backends.s3.S3Storage,
as docs/archives.md tells an installation to configure it."""

from __future__ import annotations

import hashlib
import io
import socket

import pytest
from pypdf import PdfReader

from neisheng.archives import services
from neisheng.archives.tests.conftest import upload_document
from neisheng.archives.tests.files import jpeg_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db
BUCKET = "neisheng-archives-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(settings, s3_endpoint):
    import boto3

    options = {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "access_key": "test", "secret_key": "test",
               "region_name": "us-east-1", "file_overwrite": False, "default_acl": None, "querystring_auth": True,
               "location": "media"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                          region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage",
                                                          "OPTIONS": options}}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_upload_new_version_and_download_on_an_s3_store(client, s3, cadre, lifted, settings):
    from django.core.files.storage import storages

    assert type(storages["default"]).__name__ == "S3Storage"
    first, second = pdf_bytes("s3 first"), jpeg_bytes()
    document = upload_document(cadre, lifted, first)
    new = services.document_version_add(user=cadre, document=document, file=upload(second, "清晰版.jpg"),
                                        reason="换成清晰的照片")
    old = document.versions.get(number=1)
    keys = {item["Key"]: item["Size"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {f"media/{old.file.name}": len(first), f"media/{new.file.name}": len(second)}
    for version, content in ((old, first), (new, second)):
        stored = s3.get_object(Bucket=BUCKET, Key=f"media/{version.file.name}")["Body"].read()
        assert stored == content and hashlib.sha256(stored).hexdigest() == version.sha256
    client.force_login(cadre)
    for version, content in ((old, first), (new, second)):
        response = client.get(f"/archives/versions/{version.pk}/download/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == content
    # The printable file reads the image from the store to embed it.
    pdf = client.get(f"/archives/households/{lifted.pk}/pdf/")
    assert pdf.status_code == 200
    assert any(page.images for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.pdf")))


def test_the_settings_point_uploads_at_the_bucket_the_environment_names(tmp_path):
    """NEISHENG_S3_* (docs/archives.md) switch the default storage to the S3 backend,
    private and never overwriting; without them uploads stay on the file system."""
    import json
    import os
    import subprocess
    import sys

    show = ("import json; from neisheng.web import settings as s; print(json.dumps(s.STORAGES['default']))")
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEISHENG_")} | {"NEISHENG_HOME": str(tmp_path)}

    def default_storage(**env) -> dict:
        done = subprocess.run([sys.executable, "-c", show], env=base | env, capture_output=True, text=True,
                              check=True)
        return json.loads(done.stdout)

    assert default_storage()["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = default_storage(NEISHENG_S3_BUCKET="county-files", NEISHENG_S3_ENDPOINT_URL="http://minio.local:9000",
                         NEISHENG_S3_REGION="cn-north-1")
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"] == {"bucket_name": "county-files", "endpoint_url": "http://minio.local:9000",
                             "region_name": "cn-north-1", "location": "uploads", "file_overwrite": False,
                             "default_acl": None, "querystring_auth": True}
