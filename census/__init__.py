"""Census outreach and self-check site: the application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands, error pages."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        static_folder=None,
    )
    from census.core.config import load_config

    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    from census.core import frontcache, templating

    templating.init_app(app)  # before anything makes the Jinja environment
    frontcache.init_app(app)  # inside ProxyFix: it sees the scheme and address ProxyFix sets
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        # Only the last ``hops`` entries of X-Forwarded-For were written by our own proxies;
        # anything further left is whatever the client chose to send. X-Forwarded-Host is not
        # believed: a proxy that does not overwrite it passes on what the client sent, and the
        # host goes into QR codes and share links (the proxy sets Host itself; set SITE_URL).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]

    from census import cli
    from census.core import (
        assets,
        bodies,
        cache,
        db,
        errors,
        fieldcache,
        i18n,
        keycheck,
        limits,
        render,
        security,
    )

    # First of all: no form, extension or view may read a body that is not a form.
    bodies.init_app(app)
    db.init_app(app)
    cache.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    limits.init_app(app)
    render.init_app(app)
    fieldcache.init_app(app)
    keycheck.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from census import form
    from census.core import health
    from census.demo import meeting  # noqa: F401 - its routes join the demo blueprint
    from census.demo import views as demo
    from census.drives import staff_views as staff_drives
    from census.drives import views as drives
    from census.outreach import views as outreach
    from census.pages import views as pages
    from census.staff import bp as staff
    from census.status import embed
    from census.status import views as status

    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(form.bp)
    app.register_blueprint(outreach.bp)
    app.register_blueprint(demo.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(staff)
    app.register_blueprint(drives.bp)
    app.register_blueprint(staff_drives.bp)

    _quiet_access_logs()
    _log_to_stderr()
    return app


def _log_to_stderr() -> None:
    """Send the site's own INFO lines (outcome counts, never numbers) to stderr, which gunicorn
    keeps in its error log; Python drops INFO lines of a logger without a handler."""
    logger = logging.getLogger("census")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def _quiet_access_logs() -> None:
    """Keep request lines (which carry query strings) out of the application's own log."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
