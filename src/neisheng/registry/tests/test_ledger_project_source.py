"""A ledger row written by a dividend payment has the source "project:<id>": the household
page names it as that project, linked when the projects app serves the page (the
registry may not import the projects app; it resolves the address by name)."""

from __future__ import annotations

from django.urls import NoReverseMatch

from neisheng.registry.selectors import household_file


def test_a_project_source_gives_its_number_and_the_projects_page():
    number, url = household_file.project_source("project:12")
    assert number == "12"
    assert url == "/projects/12/"


def test_without_the_projects_page_the_number_stays_and_no_link(monkeypatch):
    import django.urls

    def missing(*args, **kwargs):
        raise NoReverseMatch("no projects app")

    monkeypatch.setattr(django.urls, "reverse", missing)
    assert household_file.project_source("project:12") == ("12", None)


def test_other_sources_are_no_project():
    assert household_file.project_source("survey") == (None, None)
    assert household_file.project_source("project:") == (None, None)
    assert household_file.project_source("project:12a") == (None, None)
