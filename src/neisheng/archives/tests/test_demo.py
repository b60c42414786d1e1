"""The demo county's household files (issue 16) on the test county with the demo logins:
the demo village's files with three named gaps, its neighbour's complete, a document in
two versions, and students' files with aid and a plan (one in a second version)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_demo_has_files_with_a_few_gaps_and_students_files(county, tmp_path, settings, client):
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.archives.models import Document, StudentFile
    from neisheng.web.demo_archives import demo_archives_build

    settings.MEDIA_ROOT = tmp_path / "media"
    logins = demo_users_create(county_code="500237", password="demo-archives-test-2026")
    said = []
    made = demo_archives_build(home=tmp_path, logins=logins, year=2026, say=said.append)
    checked, complete = made.checked[made.village]
    assert len(made.gaps) == 3 and checked - complete == 3, made.checked
    assert len({t for _h, _c, t in made.gaps}) == 3  # a different document missing in each
    # The test county has one village; the demo county's next village is made complete.
    from neisheng.registry.models import Division

    villages = Division.objects.filter(level=5, code__startswith="500237").count()
    assert bool(made.complete_village) == (villages > 1)
    if made.complete_village:
        other_checked, other_complete = made.checked[made.complete_village]
        assert other_checked == other_complete > 0
    assert Document.objects.get(pk=made.two_versions).versions.count() == 2
    students = StudentFile.objects.filter(pk__in=made.students)
    assert students.count() == len(made.students) >= 1
    assert all(s.plans.exists() and s.aid.exists() for s in students)
    assert students.get(pk=made.students[0]).plans.count() == 2
    lines = made.lines()
    assert len(lines) == 2 and said and "missing:" in lines[0]

    cadre = User.objects.get(username=next(u["username"] for u in logins if u["role"] == "village"))
    client.force_login(cadre)
    for household, category, doc_type in made.gaps:
        page = client.get(f"/archives/households/{household}/").content.decode()
        assert f'data-missing-type="{category}.{doc_type}"' in page
        listed = client.get(f"/archives/households/?missing={doc_type}").content.decode()
        assert f'data-household="{household}"' in listed
