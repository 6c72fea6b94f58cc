"""The `cxops` command line: serve, demo, database, keys, users, seed data and webhook
delivery."""

import json
import os
import signal
import sys
from datetime import UTC, timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url

from cxops.analytics.kpis import Dimension, Granularity, to_json
from cxops.assist.library import SUFFIXES, find_documents, import_knowledge, load_shipped
from cxops.bootstrap import Container, bootstrap
from cxops.configfile import ConfigError
from cxops.connectors.clock import FixedClock
from cxops.demo import retail, seed
from cxops.demo.history import ContactCenter, simulate_history
from cxops.domain.access import Role
from cxops.domain.errors import BusinessRuleError, InvalidInputError, NotFoundError
from cxops.floor import activate_policy
from cxops.governance.api_keys import issue_key, revoke_key
from cxops.governance.users import create_user
from cxops.learning.datasets import DatasetError, read_label_map, read_labelled
from cxops.learning.evaluation import EvaluationReport, evaluate, write_confusion_png
from cxops.learning.training import intent_registry, train_default, train_from_file
from cxops.logs import configure_logging
from cxops.periods import parse_since
from cxops.pipeline import NewConversation, NewMessage
from cxops.routing.policy import LoadedPolicy, default_policy, read_policy
from cxops.settings import ConfigFileError, Settings, load_settings
from cxops.store.migrate import upgrade
from cxops.triage.embedding import EmbeddingsUnavailableError
from cxops.triage.intent import IntentModel, IntentModelError, Tier

app = typer.Typer(
    help="cxops: AI operations layer for retail contact centers.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
users_app = typer.Typer(help="People who sign in to the console.", no_args_is_help=True)
app.add_typer(users_app, name="users")
webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")
policy_app = typer.Typer(help="The routing policy: validate, activate, show.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
model_app = typer.Typer(
    help="The intent model: train, evaluate, list, activate.", no_args_is_help=True
)
app.add_typer(model_app, name="model")
kb_app = typer.Typer(help="The knowledge base agent assist draws on.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
qa_app = typer.Typer(help="Automated quality assurance.", no_args_is_help=True)
app.add_typer(qa_app, name="qa")
report_app = typer.Typer(help="Reports as HTML, PNG or JSON.", no_args_is_help=True)
app.add_typer(report_app, name="report")
monitor_app = typer.Typer(help="Drift, data quality, latency and alerts.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class State:
    config: Path | None = None


def _settings(**overrides: object) -> Settings:
    """Load settings or exit 2 with a message naming the bad field."""
    try:
        return load_settings(State.config, **{k: v for k, v in overrides.items() if v is not None})
    except ConfigFileError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        for problem in exc.errors():
            field = ".".join(str(p) for p in problem["loc"])
            err.print(f"[red]error:[/red] setting {field}: {problem['msg']}")
        raise typer.Exit(2) from exc


def _container(settings: Settings) -> Container:
    """Wire cxops and bring the schema up to date (safe to repeat); exit 2 listing each problem
    of an invalid order system config."""
    configure_logging(settings.log_level)
    try:
        container = bootstrap(settings)
    except ConfigError as exc:
        err.print(f"[red]error:[/red] cannot connect the order system: {exc.source} is not valid:")
        for problem in exc.problems:
            err.print(f"  {problem}", highlight=False)
        raise typer.Exit(2) from exc
    upgrade(container.engine)
    return container


@app.callback()
def main(
    config: Annotated[
        Path | None,
        typer.Option(help="YAML settings file (also $CXOPS_CONFIG).", dir_okay=False),
    ] = None,
) -> None:
    State.config = config


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database schema to the newest version."""
    settings = _settings()
    _container(settings)
    err.print(f"schema up to date at {_redacted_url(settings)}")


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    name: Annotated[str, typer.Option(help="Who or what the key is for.")] = "cli",
) -> None:
    """Create an API key and print only the key on stdout, so scripts can capture it."""
    container = _container(_settings())
    with container.uow() as uow:
        issued = issue_key(uow, clock=container.clock, role=role, name=name)
        uow.commit()
    out.print(issued.token, highlight=False)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never their secrets)."""
    container = _container(_settings())
    with container.uow() as uow:
        keys = uow.access.list_keys()
    for key in keys:
        state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d}"
        out.print(f"cxk_{key.prefix}_…  {key.role.value:<11} {key.name:<20} {state}")


@keys_app.command("revoke")
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The prefix `keys list` shows, or the whole key.")],
) -> None:
    """Revoke an API key by its prefix."""
    container = _container(_settings())
    try:
        with container.uow() as uow:
            key = revoke_key(
                uow, clock=container.clock, prefix=prefix.removeprefix("cxk_").split("_")[0]
            )
            uow.commit()
    except NotFoundError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    err.print(f"revoked key {key.prefix} ({key.name})")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="What they sign in with.")],
    name: Annotated[str, typer.Option(help="Their name, as the console shows it.")],
    role: Annotated[Role, typer.Option(help="What they may do.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input."
        ),
    ] = False,
) -> None:
    """Create a console user; the password is asked for (twice), never taken as an argument."""
    container = _container(_settings())
    if password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    try:
        with container.uow() as uow:
            user = create_user(
                uow, clock=container.clock, email=email, name=name, role=role, password=password
            )
            uow.commit()
    except InvalidInputError as exc:
        err.print(f"[red]error:[/red] {escape(exc.message)}")
        raise typer.Exit(2) from exc
    except BusinessRuleError as exc:
        err.print(f"[red]error:[/red] {escape(exc.message)}")
        raise typer.Exit(1) from exc
    err.print(f"created {user.role.value} {escape(user.email)} ({user.id})")


@webhooks_app.command("deliver")
def webhooks_deliver(
    once: Annotated[
        bool, typer.Option("--once", help="Send what is due now, then exit (e.g. from cron).")
    ] = False,
) -> None:
    """Push due webhook deliveries until stopped (Ctrl-C, SIGTERM); safe to run several."""
    settings = _settings()
    container = _container(settings)
    with container.webhook_dispatcher() as dispatcher:
        if once:
            report = dispatcher.deliver_due()
            err.print(
                f"delivered {report.delivered}, retrying {report.retrying}, dead {report.dead}"
            )
            return
        signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop())
        err.print("delivering webhooks; Ctrl-C to stop")
        try:
            dispatcher.run(poll_seconds=settings.webhook_poll_seconds)
        except KeyboardInterrupt:
            err.print("stopped; a delivery cut short is sent again when its lease expires")


def _read_policy(path: Path) -> LoadedPolicy:
    """Read and validate a policy file or exit 2 listing every problem with its line."""
    try:
        return read_policy(path)
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot read {path}: {exc.strerror}")
        raise typer.Exit(2) from exc
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {path} is not a valid policy:")
        for problem in exc.problems:
            err.print(f"  {problem}", highlight=False)
        raise typer.Exit(2) from exc


@policy_app.command("validate")
def policy_validate(path: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Check a policy file without activating it."""
    loaded = _read_policy(path)
    err.print(f"valid: {loaded.version_label} ({len(loaded.policy.queues)} queues)")


@policy_app.command("activate")
def policy_activate(path: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Validate a policy file, store it and make it the active one; its queues are synced."""
    loaded = _read_policy(path)
    container = _container(_settings())
    with container.uow() as uow:
        stored = activate_policy(uow, loaded, at=container.clock.now())
        uow.commit()
    err.print(f"active: {stored.version}")


@policy_app.command("show")
def policy_show(
    history: Annotated[bool, typer.Option("--history", help="List every version.")] = False,
) -> None:
    """Print the active policy's YAML (or, with --history, every stored version)."""
    container = _container(_settings())
    with container.uow() as uow:
        versions = uow.policies.history() if history else [uow.policies.active()]
    if history:
        for stored in versions:
            assert stored is not None
            when = (
                "never" if stored.activated_at is None else f"{stored.activated_at:%Y-%m-%d %H:%M}"
            )
            out.print(f"{stored.version}  activated {when}", highlight=False)
        return
    active = versions[0]
    out.print(
        default_policy().text if active is None else active.text, highlight=False, markup=False
    )


def _load_demo_data(
    container: Container, *, seed_value: int, customers: int, products: int, orders: int
) -> bool:
    """Generate and load the demo retailer unless it is already there; True if loaded."""
    if seed.is_seeded(container.uow):
        return False
    today = container.clock.now().astimezone(UTC).date()
    try:
        with err.status("generating demo retail data"):
            dataset = retail.generate(
                today=today, seed=seed_value, customers=customers, products=products, orders=orders
            )
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("loading", total=dataset.row_count)

        def advance(step: str, rows: int) -> None:
            progress.update(task, description=f"loading {step}", advance=rows)

        report = seed.load(container.uow, dataset, progress=advance)
    err.print(
        f"loaded {report.customers} customers, {report.products} products, "
        f"{report.orders} orders, {report.queues} queues, {report.agents} agents"
    )
    return True


@app.command("seed")
def seed_command(
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    customers: Annotated[int, typer.Option(min=1)] = 2000,
    products: Annotated[int, typer.Option(min=1)] = 300,
    orders: Annotated[int, typer.Option(min=1)] = 10000,
) -> None:
    """Load the deterministic demo retailer into an empty database."""
    container = _container(_settings())
    loaded = _load_demo_data(
        container, seed_value=seed_value, customers=customers, products=products, orders=orders
    )
    if not loaded:
        err.print("[red]error:[/red] the database already holds customers; nothing loaded")
        raise typer.Exit(1)


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
    )


def _train(data: Path | None, label_map: Path | None, tier: Tier = Tier.FAST) -> IntentModel:
    """Train with a progress bar, from `data` or from the corpus cxops ships."""
    with _progress_bar() as progress:
        task = progress.add_task("training", total=1.0)

        def advance(stage: str, fraction: float) -> None:
            progress.update(task, description=stage, completed=fraction)

        try:
            if data is None:
                return train_default(tier=tier, progress=advance)
            return train_from_file(data, label_map=label_map, tier=tier, progress=advance)
        except (DatasetError, IntentModelError, EmbeddingsUnavailableError) as exc:
            progress.stop()
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc


def _ensure_model(settings: Settings) -> None:
    """Train and activate the default intent model on a fresh install, with a progress bar."""
    registry = intent_registry(settings.effective_model_dir)
    if registry.current() is None:
        err.print("no intent model yet: training the default one from the shipped corpus")
        model = _train(None, None)
        registry.save(model)
        registry.activate(model.version)


@model_app.command("train")
def model_train(
    data: Annotated[
        Path | None,
        typer.Option(help="CSV or JSONL with text and label columns; default: the shipped corpus."),
    ] = None,
    label_map: Annotated[Path | None, typer.Option(help="YAML: their label -> our label.")] = None,
    tier: Annotated[
        Tier,
        typer.Option(
            help="fast: TF-IDF alone. embedding: adds sentence embeddings for the messages "
            "TF-IDF is unsure of (needs the `embeddings` install extra)."
        ),
    ] = Tier.FAST,
    activate: Annotated[bool, typer.Option(help="Make the new model the current one.")] = True,
) -> None:
    """Train an intent model, store it as a new version, and (by default) activate it."""
    settings = _settings()
    model = _train(data, label_map, tier)
    registry = intent_registry(settings.effective_model_dir)
    registry.save(model)
    if activate:
        registry.activate(model.version)
    out.print(model.version, highlight=False)


@model_app.command("eval")
def model_eval(
    data: Annotated[Path, typer.Option(help="CSV or JSONL with text and label columns.")],
    label_map: Annotated[Path | None, typer.Option(help="YAML: their label -> our label.")] = None,
    version: Annotated[str | None, typer.Option(help="Default: the current model.")] = None,
    png: Annotated[Path | None, typer.Option(help="Write a confusion-matrix PNG here.")] = None,
) -> None:
    """Print accuracy, macro-F1, out-of-scope precision/recall, ECE and the worst confusions."""
    settings = _settings()
    registry = intent_registry(settings.effective_model_dir)
    try:
        examples = read_labelled(data)
        if label_map is not None:
            examples = read_label_map(label_map).apply(examples)
        model = registry.load(version) if version else registry.load_current()
    except (DatasetError, IntentModelError, EmbeddingsUnavailableError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if model is None:
        err.print("[red]error:[/red] no intent model yet; run `cxops model train`")
        raise typer.Exit(1)
    encoded = 0 if model.encoder is None else model.encoder.texts_encoded
    predictions = model.predict([text for text, _ in examples])
    report = evaluate(predictions, [label for _, label in examples])
    out.print(_report_table(model.version, report))
    if model.encoder is not None:
        encoded = model.encoder.texts_encoded - encoded
        out.print(
            f"embedding tier: {encoded} of {report.examples} messages "
            f"({encoded / report.examples:.1%}) went to the encoder; TF-IDF was sure of the rest"
        )
    if png is not None:
        write_confusion_png(report, png)
        err.print(f"confusion matrix written to {png}")


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _report_table(version: str, report: EvaluationReport) -> Table:
    table = Table(title=f"{version} on {report.examples} examples", show_header=False)
    for name, value in [
        ("accuracy", _percent(report.accuracy)),
        ("in-scope accuracy", _percent(report.in_scope_accuracy)),
        ("macro-F1", f"{report.macro_f1:.3f}"),
        ("out-of-scope precision", _percent(report.oos_precision)),
        ("out-of-scope recall", _percent(report.oos_recall)),
        ("expected calibration error", f"{report.expected_calibration_error:.3f}"),
    ]:
        table.add_row(name, value)
    for pair in report.worst_confused:
        table.add_row("confused", f"{pair.gold} -> {pair.predicted} ({pair.count})")
    return table


@model_app.command("list")
def model_list() -> None:
    """List stored intent models; the current one is marked with *."""
    registry = intent_registry(_settings().effective_model_dir)
    current = registry.current()
    for stored in registry.list():
        mark = "*" if stored.version == current else " "
        out.print(f"{mark} {stored.version}", highlight=False)


@model_app.command("activate")
def model_activate(
    version: Annotated[str, typer.Argument(help="A version from `model list`.")],
) -> None:
    """Make a stored version the current intent model (takes effect on the next start)."""
    registry = intent_registry(_settings().effective_model_dir)
    try:
        registry.activate(version)
    except NotFoundError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    err.print(f"{version} is now current")


@kb_app.command("import")
def kb_import(
    path: Annotated[
        Path,
        typer.Argument(help="A Markdown, HTML or macros.yaml file, or a folder of them."),
    ],
) -> None:
    """Import Markdown and HTML documents as articles and macros.yaml files as reply macros;
    unchanged ones are left as they are."""
    try:
        documents = find_documents([path])
    except NotFoundError as exc:
        err.print(f"[red]error:[/red] {escape(exc.message)}")
        raise typer.Exit(1) from exc
    if not documents:
        err.print(f"[red]error:[/red] no {', '.join(SUFFIXES)} files in {escape(str(path))}")
        raise typer.Exit(1)
    container = _container(_settings())
    with _progress_bar() as bar:
        task = bar.add_task("importing", total=len(documents))
        report = import_knowledge(
            container.uow,
            documents,
            clock=container.clock,
            progress=lambda done, _: bar.update(task, completed=done),
        )
    err.print(
        f"articles: added {report.added}, updated {report.updated}, unchanged {report.unchanged}"
    )
    if report.macros_added or report.macros_updated or report.macros_unchanged:
        err.print(
            f"macros: added {report.macros_added}, updated {report.macros_updated}, "
            f"unchanged {report.macros_unchanged}"
        )
    if report.problems:
        err.print(f"[red]error:[/red] {len(report.problems)} of {len(documents)} not imported:")
        for problem in report.problems:
            err.print(f"  {problem}", highlight=False, markup=False)
        raise typer.Exit(2)


@kb_app.command("list")
def kb_list() -> None:
    """List the knowledge base's articles (the shipped ones are brought up to date first)."""
    container = _container(_settings())
    load_shipped(container.uow, container.clock)
    with container.uow() as uow:
        articles = uow.knowledge.articles()
        chunks = uow.knowledge.chunk_counts()
    table = Table(box=box.SIMPLE)
    table.add_column("id", overflow="fold")
    table.add_column("title")
    table.add_column("language", no_wrap=True, min_width=8)
    table.add_column("source", no_wrap=True, min_width=8)
    table.add_column("chunks", no_wrap=True, min_width=6, justify="right")
    for article in articles:
        table.add_row(
            article.id,
            escape(article.title),
            article.language,
            article.source.value,
            str(chunks.get(article.id, 0)),
        )
    out.print(table)
    err.print(f"{len(articles)} articles, {sum(chunks.values())} chunks")


@qa_app.command("rescore")
def qa_rescore(
    since: Annotated[
        str, typer.Option(help="Start of the period: 7d, 12h, or an ISO date (UTC).")
    ] = "7d",
) -> None:
    """Score again every conversation closed since then with the current scorecard."""
    container = _container(_settings())
    try:
        start = parse_since(since, now=container.clock.now())
    except ValueError as exc:
        err.print(f"[red]error:[/red] --since: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    with _progress_bar() as bar:
        task = bar.add_task("scoring", total=None)
        done = container.quality.rescore(
            since=start, progress=lambda n, total: bar.update(task, completed=n, total=total)
        )
    err.print(f"scored {done} conversations closed since {start.isoformat(timespec='seconds')}")


@monitor_app.command("run")
def monitor_run() -> None:
    """Score what closed unscored, measure now, evaluate the alert rules, and deliver alerts
    (for cron, when servers run with CXOPS_MONITOR_INTERVAL_SECONDS=0)."""
    container = _container(_settings())
    container.quality.score_unscored()
    report = container.monitor.run()
    table = Table(box=box.SIMPLE, title=f"monitor ({report.rules_version})")
    table.add_column("metric")
    table.add_column("labels")
    table.add_column("value", justify="right")
    for sample in report.samples:
        labels = ", ".join(f"{k}={v}" for k, v in sample.labels.items())
        table.add_row(sample.metric, labels, f"{sample.value:.4g}")
    out.print(table)
    for drift in report.drift:
        level = "not enough data" if drift.level is None else drift.level.value
        psi = "" if drift.psi is None else f"PSI {drift.psi:.3f}, "
        err.print(f"drift {drift.name}: {psi}{level} ({drift.baseline_n} vs {drift.current_n})")
    for event in report.events:
        err.print(f"[yellow]{event.kind.value}[/yellow] {escape(event.key)}: {event.value:.4g}")
    err.print(f"{len(report.firing)} alerts firing")


@report_app.command("kpis")
def report_kpis(
    since: Annotated[str, typer.Option(help="7d, 12h, 2w, or an ISO date (UTC).")] = "7d",
    by: Annotated[Dimension, typer.Option(help="Break the KPIs down by this.")] = Dimension.TOTAL,
    granularity: Annotated[Granularity, typer.Option(help="One point per day or week.")] = (
        Granularity.DAY
    ),
    output_format: Annotated[
        str, typer.Option("--format", help="html, png or json.", case_sensitive=False)
    ] = "html",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: kpis.FORMAT).")
    ] = None,
) -> None:
    """KPIs of the contacts closed since then, with trend charts."""
    fmt = output_format.lower()
    if fmt not in ("html", "png", "json"):
        err.print(f"[red]error:[/red] --format: {escape(fmt)} is not one of html, png, json")
        raise typer.Exit(1)
    container = _container(_settings())
    try:
        start = parse_since(since, now=container.clock.now())
        report = container.reporting.kpis(since=start, granularity=granularity, dimension=by)
    except ValueError as exc:
        err.print(f"[red]error:[/red] --since: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    except InvalidInputError as exc:
        err.print(f"[red]error:[/red] {escape(exc.message)}")
        raise typer.Exit(1) from exc
    # matplotlib costs half a second to import: only the command that draws pays for it.
    from cxops.analytics.report import render_html, render_png

    path = output or Path(f"kpis.{fmt}")
    if fmt == "png":
        render_png(report, path)
    elif fmt == "html":
        path.write_text(render_html(report), encoding="utf-8")
    else:
        path.write_text(json.dumps(to_json(report), indent=2), encoding="utf-8")
    contacts = sum(row.sums.contacts for row in report.totals())
    err.print(f"{contacts} contacts since {start.isoformat(timespec='seconds')}: wrote {path}")


def _redacted_url(settings: Settings) -> str:
    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def _serve(settings: Settings, *, workers: int) -> None:
    if State.config is not None:
        os.environ["CXOPS_CONFIG"] = str(State.config.resolve())
    for name in ("data_dir", "database_url", "host", "port", "log_level"):
        value = getattr(settings, name)
        if value is not None:
            os.environ[f"CXOPS_{name.upper()}"] = str(value)
    uvicorn.run(
        "cxops.api.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        access_log=False,
        log_level=settings.log_level,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port (also $CXOPS_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Migrate the database, bring the shipped knowledge base up to date, then serve the API."""
    settings = _settings(host=host, port=port)
    container = _container(settings)
    load_shipped(container.uow, container.clock)
    _ensure_model(settings)
    err.print(f"cxops on http://{settings.host}:{settings.port}  ({_redacted_url(settings)})")
    _serve(settings, workers=workers)


def _demo_history(settings: Settings, container: Container, days: int = 21) -> None:
    """Fill `days` of contacts through the real pipeline, QA and assist, on a simulated clock
    that ends now, so KPIs, QA and drift have honest history to show."""
    now = container.clock.now()
    clock = FixedClock(now - timedelta(days=days))
    clock.advance(-timedelta(seconds=clock.now().timestamp() % 86400))
    sim = bootstrap(settings, clock=clock, triage=container.triage)
    pipeline = sim.pipeline
    center = ContactCenter(
        clock=clock,
        uow=sim.uow,
        floor=sim.floor,
        assistant=sim.assistant,
        selfservice=sim.selfservice,
        open_conversation=lambda channel, customer: (
            pipeline.start_conversation(
                NewConversation(channel=channel, customer_id=customer)
            ).conversation.id
        ),
        post_message=lambda conversation, text, role: [
            m.text
            for m in pipeline.post_message(conversation, NewMessage(text=text, role=role)).replies
        ],
        close_conversation=lambda conversation, outcome: pipeline.close(
            conversation, outcome=outcome
        ),
    )
    configure_logging("warning")
    try:
        with _progress_bar() as bar:
            task = bar.add_task(f"{days} days of contacts", total=None)
            report = simulate_history(
                center=center,
                now=now,
                days=days,
                survey=lambda conversation, score, comment: sim.quality.survey(
                    conversation, score=score, comment=comment
                ),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        sim.release()
        sim.engine.dispose()
        configure_logging(settings.log_level)
    err.print(
        f"history: {report.conversations} conversations, {report.messages} messages, "
        f"{report.bot_resolved} resolved by the bot, {report.handovers} handed to people"
    )


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="Port (also $CXOPS_PORT).")] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Prepare only.")] = False,
) -> None:
    """Prepare a demo (schema, demo retailer, an admin key) and serve it."""
    settings = _settings(port=port)
    container = _container(settings)
    fresh = _load_demo_data(container, seed_value=7, customers=2000, products=300, orders=10000)
    load_shipped(container.uow, container.clock)
    _ensure_model(settings)
    if fresh:
        _demo_history(settings, container)
    with container.uow() as uow:
        issued = issue_key(uow, clock=container.clock, role=Role.ADMIN, name="demo")
        uow.commit()
    base = f"http://{settings.host}:{settings.port}"
    err.print(
        Panel.fit(
            f"Console:  {base}/\nAPI docs: {base}/docs\nAPI key:  {issued.token}",
            title="cxops demo",
        )
    )
    err.print(
        f'try:  curl -H "Authorization: Bearer {issued.token}" {base}/v1/customers/C100001',
        highlight=False,
    )
    if not no_serve:
        _serve(settings, workers=1)
