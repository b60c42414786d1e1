"""`neisheng survey report`: a questionnaire's returned responses checked and summarised
(surveys.md "Report"), on files, without the database.

The questionnaire and the responses are read, judged and counted by the engine
(neisheng.engine.surveys), the same functions the platform's survey pages call, so an
organiser gets the same 回收率, 有效率 and shares from a spreadsheet as from the platform.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from neisheng.console import UserError


def _write(out_dir: Path, report, excel_path: Path | None, questionnaire) -> None:
    """Every file written beside its final name and renamed once all are written, so a
    failed run leaves no half-written file and no mix of old and new results."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from neisheng.engine.surveys import (
        DISTRIBUTION_SCHEMA,
        INVALID_SCHEMA,
        SUMMARY_KEYS,
        survey_excel,
    )

    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: 已存在同名文件,不是文件夹 / exists and is not a folder")
    targets = {name: out_dir / name for name in ("summary.json", "distribution.parquet", "invalid.parquet")}
    if excel_path is not None:
        targets["excel"] = excel_path
    partials = {name: path.with_name(f".{path.name}.partial") for name, path in targets.items()}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        summary = {key: report.summary[key] for key in SUMMARY_KEYS}
        partials["summary.json"].write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
                                            encoding="utf-8")
        pq.write_table(report.distribution.select(DISTRIBUTION_SCHEMA.names).cast(DISTRIBUTION_SCHEMA),
                       partials["distribution.parquet"], compression="zstd")
        pq.write_table(report.invalid.select(INVALID_SCHEMA.names).cast(INVALID_SCHEMA),
                       partials["invalid.parquet"], compression="zstd")
        if excel_path is not None:
            excel_path.parent.mkdir(parents=True, exist_ok=True)
            survey_excel(questionnaire, report, partials["excel"])
        for name, path in targets.items():
            os.replace(partials[name], path)
    except (OSError, pa.ArrowException) as exc:
        for partial in partials.values():
            partial.unlink(missing_ok=True)
        raise UserError(f"{out_dir}: 无法写入 / cannot write the output "
                        f"({getattr(exc, 'strerror', None) or exc})") from exc


@click.group("survey")
def survey_group() -> None:
    """问卷调查 surveys (surveys.md): check returned questionnaires and report on them."""


@survey_group.command("report")
@click.argument("questionnaire_path", metavar="QUESTIONNAIRE.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("responses_path", metavar="RESPONSES", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--issued", type=click.IntRange(min=1), required=True,
              help="questionnaires issued (发放份数), as the organiser counted them")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="folder for summary.json, distribution.parquet and invalid.parquet")
@click.option("--excel", "excel_path", type=click.Path(dir_okay=False, path_type=Path),
              help="also write the report as an Excel workbook (.xlsx) for people")
def report(questionnaire_path: Path, responses_path: Path, issued: int, out_dir: Path,
           excel_path: Path | None) -> None:
    """Judge every row of RESPONSES (Excel or CSV, one row per returned questionnaire)
    against QUESTIONNAIRE.yaml and write the report: 回收率 and 有效率 over the number
    issued, the share of each option by group, and the invalid rows with their reasons."""
    from neisheng.engine.surveys import (
        QuestionnaireError,
        ResponsesError,
        percent,
        questionnaire_load,
        responses_read,
        survey_report,
    )

    if excel_path is not None and excel_path.suffix.lower() != ".xlsx":
        raise UserError(f"--excel {excel_path}: 应为 .xlsx 文件 / must name an .xlsx file")
    try:
        questionnaire = questionnaire_load(questionnaire_path)
    except QuestionnaireError as exc:
        raise UserError(f"{exc}; nothing written") from exc
    try:
        responses = responses_read(responses_path, questionnaire, file_name=str(responses_path))
    except ResponsesError as exc:
        raise UserError(f"{exc}; nothing written") from exc
    result = survey_report(questionnaire, responses, issued=issued)
    _write(out_dir, result, excel_path, questionnaire)
    s = result.summary
    click.echo(
        f"issued {s['issued']}, returned {s['returned']}, valid {s['valid']}: "
        f"回收率 response rate {percent(s['response_rate'])}, 有效率 validity rate {percent(s['validity_rate'])}, "
        f"valid of returned {percent(s['valid_of_returned'])}; {result.invalid.num_rows} invalid "
        f"(written to {out_dir})"
    )


COMMANDS: list[click.Command] = [survey_group]
