"""The honour roll (光荣榜) as an A4 PDF to print and post, drawn by WeasyPrint from the
same data as the page, with the fonts the household plan uses (WenQuanYi Micro Hei, else
any CJK sans-serif fontconfig finds) and no fetching of anything but data: URLs."""

from __future__ import annotations

from importlib import resources

from django.template.loader import render_to_string
from django.utils import timezone

from neisheng.honours.selectors import Roll


def roll_pdf(roll: Roll) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("honours/roll_pdf.html", {"roll": roll, "printed_on": timezone.localdate()})
    css = CSS(string=resources.files("neisheng.honours").joinpath("static/honours/roll-print.css").read_text("utf-8"))
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf(stylesheets=[css])
