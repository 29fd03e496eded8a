"""Typed settings read from the environment; a bad value fails at start with one clear line."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from app.core.files import write_secret_file


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    instance: Path
    database_url: str
    redis_url: str | None
    keyring_path: Path
    secret_key: str
    smtp_url: str | None
    # KEYSHOP_BASE_URL; None when unset, and then `base_url` comes from the shop settings
    configured_base_url: str | None
    sandbox_enabled: bool
    sweep_after_seconds: int
    backorder_refund_after_seconds: int = 72 * 3600
    # How many reverse proxies stand in front (their X-Forwarded-* headers are believed); 0: none.
    proxy_hops: int = 0
    # Hours to the first staff reply, per conversation kind (presale, problem, service).
    support_deadline_hours: dict[str, int] = field(default_factory=lambda: dict(SUPPORT_DEADLINES))
    providers: dict[str, dict[str, str]] = field(default_factory=dict)
    # KEYSHOP_WORKERS: the RQ worker processes `serve` starts; one per core this process may use.
    workers: int = 1

    @property
    def base_url(self) -> str:
        """Where every link we send points: KEYSHOP_BASE_URL when set, else the owner's base URL,
        else where `serve` / `web` listen (app.core.public_url; read once per request or job)."""
        from app.core.public_url import effective_base_url  # it reads the database: imported when asked

        return effective_base_url(self.configured_base_url)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        instance = Path(env.get("KEYSHOP_INSTANCE") or "instance").resolve()
        instance.mkdir(parents=True, exist_ok=True)
        return cls(
            instance=instance,
            database_url=_database_url(env, instance),
            redis_url=_url(env, "KEYSHOP_REDIS_URL", ("redis", "rediss", "unix")),
            keyring_path=Path(env.get("KEYSHOP_KEYRING") or instance / "keyring.json"),
            secret_key=env.get("KEYSHOP_SECRET_KEY") or _instance_secret(instance),
            smtp_url=_smtp_url(env.get("KEYSHOP_SMTP_URL")),
            configured_base_url=_base_url(env),
            sandbox_enabled=_flag(env, "KEYSHOP_SANDBOX"),
            sweep_after_seconds=_int(env, "KEYSHOP_SWEEP_AFTER", 30),
            backorder_refund_after_seconds=_int(env, "KEYSHOP_BACKORDER_REFUND_AFTER", 72 * 3600),
            support_deadline_hours=_deadlines(env, "KEYSHOP_SUPPORT_DEADLINES"),
            proxy_hops=_count(env, "KEYSHOP_PROXY_HOPS"),
            providers=_providers(env),
            workers=_int(env, "KEYSHOP_WORKERS", usable_cores()),
        )


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, taskset), else every core."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _base_url(env) -> str | None:
    url = _url(env, "KEYSHOP_BASE_URL", ("http", "https"))
    return url.rstrip("/") if url else None


def _database_url(env, instance: Path) -> str:
    url = env.get("KEYSHOP_DATABASE_URL")
    if not url:
        return f"sqlite:///{instance / 'keyshop.db'}"
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme not in ("sqlite", "postgresql", "postgres"):
        raise SettingsError(f"KEYSHOP_DATABASE_URL: expected a sqlite:// or postgresql:// URL, got {scheme or url!r}")
    if scheme == "postgres" or url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _url(env, name: str, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name)
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise SettingsError(f"{name}: expected a {' or '.join(s + '://' for s in schemes)} URL, got {value!r}")
    return value


def _smtp_url(value: str | None) -> str | None:
    """smtp://user:pass@host:port (a login needs STARTTLS), smtps://…, or smtp://…?tls=none to send
    in the clear to a relay you trust. Errors show the URL without its password."""
    if not value:
        return None
    parts = urlsplit(value)
    shown = value.replace(f":{parts.password}@", ":…@") if parts.password else value
    problem = _smtp_url_problem(parts)
    if problem:
        raise SettingsError(f"KEYSHOP_SMTP_URL: {problem}, got {shown!r}")
    return value


def _smtp_url_problem(parts) -> str | None:
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return "expected smtp://user:pass@host:port or smtps://…"
    try:
        _ = parts.port  # urllib checks the port only when asked
    except ValueError:
        return "the port is not a number from 1 to 65535"
    options = parse_qs(parts.query, keep_blank_values=True)
    if set(options) - {"tls"} or options.get("tls", ["none"]) != ["none"]:
        return "the only option is ?tls=none (send in the clear, for a relay you trust)"
    if options and parts.scheme == "smtps":
        return "?tls=none contradicts smtps://"
    return None


def _flag(env, name: str) -> bool:
    value = (env.get(name) or "0").strip().lower()
    if value not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
        raise SettingsError(f"{name}: expected 1 or 0, got {value!r}")
    return value in ("1", "true", "yes", "on")


SUPPORT_DEADLINES: dict[str, int] = {"presale": 48, "problem": 48, "service": 48}


def _deadlines(env, name: str) -> dict[str, int]:
    """KEYSHOP_SUPPORT_DEADLINES=presale=24,problem=12: hours per kind; a kind not named keeps 48."""
    deadlines = dict(SUPPORT_DEADLINES)
    for part in filter(None, (p.strip() for p in (env.get(name) or "").split(","))):
        kind, _, hours = part.partition("=")
        if kind.strip() not in deadlines:
            raise SettingsError(f"{name}: {kind.strip()!r} is not a kind (presale, problem, service)")
        deadlines[kind.strip()] = _int({name: hours.strip()}, name, 48)
    return deadlines


def _count(env, name: str) -> int:
    """A whole number, 0 when unset."""
    value = env.get(name) or "0"
    if not value.isdigit():
        raise SettingsError(f"{name}: expected a whole number (0 or more), got {value!r}")
    return int(value)


def _int(env, name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name}: expected a whole number, got {value!r}") from None
    if number <= 0:
        raise SettingsError(f"{name}: must be positive, got {number}")
    return number


def _instance_secret(instance: Path) -> str:
    """Made once; linked into place so concurrent first starts agree on one secret."""
    path = instance / "secret_key"
    if not path.exists():
        write_secret_file(path, secrets.token_urlsafe(48), replace=False)
    return path.read_text().strip()


# Each provider is offered only when every one of its required variables is set.
PROVIDER_SETTINGS = {
    "stripe": ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
    "epay": ("EPAY_URL", "EPAY_PID", "EPAY_KEY"),
    "btcpay": ("BTCPAY_URL", "BTCPAY_STORE_ID", "BTCPAY_API_KEY", "BTCPAY_WEBHOOK_SECRET"),
    "manual": ("MANUAL_PAYMENT_INSTRUCTIONS",),
    "paypal": ("PAYPAL_CLIENT_ID", "PAYPAL_SECRET", "PAYPAL_WEBHOOK_ID"),
}
PROVIDER_OPTIONAL = {
    "stripe": ("STRIPE_API_BASE",),
    "epay": ("EPAY_TYPE",),
    "paypal": ("PAYPAL_MODE", "PAYPAL_API_BASE"),
}


def _providers(env) -> dict[str, dict[str, str]]:
    configured = {}
    for name, required in PROVIDER_SETTINGS.items():
        present = [var for var in required if env.get(var)]
        if not present:
            continue
        missing = [var for var in required if not env.get(var)]
        if missing:
            raise SettingsError(f"{missing[0]}: required when {present[0]} is set")
        wanted = required + PROVIDER_OPTIONAL.get(name, ())
        configured[name] = {var: _choice(var, env[var]) for var in wanted if env.get(var)}
    return configured


CHOICES = {"PAYPAL_MODE": ("test", "live"), "EPAY_TYPE": ("alipay", "wxpay", "qqpay")}


def _choice(var: str, value: str) -> str:
    if var in CHOICES and value not in CHOICES[var]:
        raise SettingsError(f"{var}: must be one of {', '.join(CHOICES[var])}, got {value!r}")
    return value
