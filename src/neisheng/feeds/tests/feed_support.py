"""Feeds for helper D's tests: CSV files built from the test county's registry."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from neisheng.registry.models import Person

# Nobody of the test counties: a name and an ID number no registry person has.
STRANGER = ("欧阳无名", "110101195001010011")


def alive_persons(county_code: str, n: int) -> list[Person]:
    return list(Person.objects.filter(household__village__code__startswith=county_code[:6], alive=True)
                .order_by("person_id")[:n])


def death_csv(persons: list[Person], *, stranger: bool = True, bad_rows: dict[int, tuple[str, str, str]] | None = None
              ) -> bytes:
    """A death feed with Chinese headers: each person on a row (row 2 onwards), then a
    stranger; `bad_rows` replaces a row's (ID, name, death date) at its spreadsheet number."""
    lines = [("证件号码", "姓名", "死亡日期")]
    lines += [(p.person_id, p.name, "2026-03-01") for p in persons]
    if stranger:
        lines.append((STRANGER[1], STRANGER[0], "2026-03-02"))
    for number, values in (bad_rows or {}).items():
        lines[number - 1] = values
    return ("\n".join(",".join(line) for line in lines) + "\n").encode("utf-8")


def upload(content: bytes, name: str = "死亡名单.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")
