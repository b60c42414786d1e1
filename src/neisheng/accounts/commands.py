"""CLI commands of the accounts workflow (listed in neisheng.cli.COMMAND_MODULES).
Django is imported inside each command so other commands start fast."""

from __future__ import annotations

import click

from neisheng.console import UserError, django_ready


@click.command("api-token")
@click.argument("username")
@click.option("--renew", is_flag=True, help="replace the user's token (the old one stops working)")
def api_token(username: str, renew: bool) -> None:
    """Print USERNAME's API token, creating it on first use. Programs send it as the
    header `Authorization: Token <token>`; HTTP Basic (the password on every request) is
    not accepted."""
    django_ready()
    from neisheng.accounts.services import api_token_issue

    try:
        token = api_token_issue(username=username, renew=renew)
    except LookupError as exc:
        raise UserError(str(exc)) from None
    click.echo(token)


COMMANDS: list[click.Command] = [api_token]
