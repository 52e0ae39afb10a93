"""Settings: one frozen object, built once at an entry point from MOTCUA_* variables."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

PREFIX = "MOTCUA_"
DEFAULT_DB_PATH = Path("var") / "motcua.sqlite3"
DEFAULT_FILES_DIR = Path("var") / "files"


@dataclass(frozen=True)
class Settings:
    """Every setting, its environment variable (`MOTCUA_` + upper-case name) and default."""

    database_url: str = field(default=f"sqlite:///{DEFAULT_DB_PATH}",
                              metadata={"help": "SQLAlchemy URL; SQLite file by default"})
    redis_url: str = field(default="", metadata={
        "help": "Redis URL for dramatiq; empty = in-process broker and worker"})
    max_upload_bytes: int = field(default=5_000_000, metadata={
        "help": "largest BPMN or form file accepted; a deployment's whole upload may be "
                "twice this"})
    max_json_bytes: int = field(default=2_000_000, metadata={
        "help": "largest JSON request body accepted (other bodies but uploads: 64 KiB)"})
    max_dossier_data_bytes: int = field(default=1_000_000, metadata={
        "help": "largest a dossier's data may be, as JSON: what intake, a task's form or a "
                "message brings, and what a command leaves"})
    script_time_limit: float = field(default=1.0, metadata={
        "help": "seconds a script or condition may run"})
    script_memory_limit: int = field(default=64, metadata={
        "help": "megabytes a script or condition may allocate and hold while it runs "
                "(0 = no limit)"})
    command_time_limit: float = field(default=10.0, metadata={
        "help": "seconds the engine steps of one command (intake, completion, message, "
                "timer) may run before the command is refused and nothing of it stored"})
    scenario_step_limit: int = field(default=1000, metadata={
        "help": "engine steps one scenario of a deployment may take (scenarios run before "
                "a version goes live)"})
    scenarios_step_limit: int = field(default=10000, metadata={
        "help": "engine steps all the scenarios of one deployment may take together"})
    scenarios_time_limit: float = field(default=30.0, metadata={
        "help": "seconds all the scenarios of one deployment may run together"})
    outbox_sweep_seconds: float = field(default=5.0, metadata={
        "help": "how often a worker re-sends outbox messages and due timers"})
    migration_stalled_seconds: float = field(default=60.0, metadata={
        "help": "seconds a running migration may move no dossier before a worker sends its "
                "pending dossiers again (their jobs were lost with a worker or Redis)"})
    completion_key_days: int = field(default=7, metadata={
        "help": "days an answer kept for Idempotency-Key retries lives (0 = for ever)"})
    delivered_webhook_days: int = field(default=30, metadata={
        "help": "days a delivered webhook and its attempts are kept (0 = for ever)"})
    db_pool_size: int = field(default=5, metadata={"help": "connections per process"})
    db_prepare: int = field(default=1, metadata={
        "help": "1: PostgreSQL statements run prepared on their connection; 0: never "
                "(behind a pooler in transaction mode, such as PgBouncer before 1.21)"})
    http_threads: int = field(default=4, metadata={
        "help": "threads per gunicorn worker process (serve --workers N)"})
    auth_failures_per_minute: int = field(default=30, metadata={
        "help": "failed authentications from one address within a minute before its further "
                "requests with unknown tokens get 429 (0 = no limit)"})
    public_lookups_per_minute: int = field(default=20, metadata={
        "help": "public dossier lookups, downloads and ratings without a token from one "
                "address within a minute before further ones get 429 (0 = no limit)"})
    session_secret: str = field(default="", metadata={
        "help": "key that signs the pages' session cookies (the same in every process); "
                "empty = a random key at each start (shared by its gunicorn workers): "
                "sessions end with a restart"})
    session_hours: float = field(default=8.0, metadata={
        "help": "hours a page session lasts after sign-in"})
    proxy_count: int = field(default=0, metadata={
        "help": "reverse proxies in front of the app whose X-Forwarded-For and -Proto are "
                "trusted (0 = none): behind an https proxy the session cookie is then Secure"})
    oidc_issuer: str = field(default="", metadata={
        "help": "issuer (iss) of the province's OIDC provider; empty = no OIDC sign-in"})
    oidc_audience: str = field(default="", metadata={
        "help": "audience (aud) the provider's tokens must name"})
    oidc_jwks: str = field(default="", metadata={
        "help": "the provider's JWKS: an https:// (or http://) address, or a file path"})
    oidc_province: str = field(default="", metadata={
        "help": "province of every OIDC principal; empty = the token's province claim"})
    oidc_algorithms: str = field(default="RS256,ES256,PS256,EdDSA", metadata={
        "help": "signature algorithms accepted (asymmetric ones only)"})
    oidc_client_id: str = field(default="", metadata={
        "help": "this service's client id at the provider: with it (and the issuer and keys) "
                "the sign-in page offers the province's account; the ID token's aud must "
                "name it"})
    oidc_client_secret: str = field(default="", metadata={
        "help": "the client's secret (a confidential client; sent with HTTP Basic unless the "
                "provider only takes it in the form); empty = a public client, PKCE alone"})
    oidc_authorization_endpoint: str = field(default="", metadata={
        "help": "the provider's authorization endpoint; empty = discovered from "
                "{issuer}/.well-known/openid-configuration"})
    oidc_token_endpoint: str = field(default="", metadata={
        "help": "the provider's token endpoint (the only address the sign-in code is sent "
                "to); empty = discovered like the authorization endpoint"})
    oidc_redirect_uri: str = field(default="", metadata={
        "help": "the address the provider sends people back to, as registered there "
                "(https://HOST/signin/oidc/callback); empty = this site's address as the "
                "request names it"})
    oidc_scopes: str = field(default="openid profile", metadata={
        "help": "scopes asked of the provider (openid is always asked)"})
    oidc_timeout: float = field(default=10.0, metadata={
        "help": "seconds to connect to the provider (discovery, token endpoint), and again "
                "to read its answer"})
    message_ttl_hours: float = field(default=72.0, metadata={
        "help": "hours a message that came before its process waited for it is kept (a "
                "procedure's message_ttl_hours overrides it)"})
    files_dir: str = field(default=str(DEFAULT_FILES_DIR), metadata={
        "help": "directory of submitted documents (created on first use), unless "
                "MOTCUA_S3_BUCKET names a bucket"})
    s3_bucket: str = field(default="", metadata={
        "help": "S3 bucket of submitted documents (it must exist); empty = MOTCUA_FILES_DIR"})
    s3_endpoint: str = field(default="", metadata={
        "help": "address of the S3-compatible server; empty = AWS"})
    s3_region: str = field(default="us-east-1", metadata={"help": "the bucket's region"})
    s3_access_key: str = field(default="", metadata={
        "help": "S3 access key; empty = boto3's own lookup (environment, profile, role)"})
    s3_secret_key: str = field(default="", metadata={"help": "S3 secret key"})
    s3_prefix: str = field(default="", metadata={
        "help": "folder of the bucket the documents are kept under"})
    max_document_bytes: int = field(default=20_000_000, metadata={
        "help": "largest document file accepted; one request may carry "
                "MOTCUA_MAX_DOCUMENT_FILES of them"})
    max_document_files: int = field(default=10, metadata={
        "help": "files one document upload may carry"})
    live_instances: int = field(default=200, metadata={
        "help": "dossier instances each process keeps in memory between commands (0 = none)"})
    metrics_token: str = field(default="", metadata={
        "help": "when set, GET /metrics answers only `Authorization: Bearer <this token>`"})
    metrics_dir: str = field(default="", metadata={
        "help": "directory where the processes of serve --workers N and worker keep their "
                "metrics for the scrape to sum (keep it in memory, e.g. under /dev/shm); "
                "empty = one named after the database URL in /dev/shm (else the temporary "
                "directory)"})
    webhook_allow_http: int = field(default=0, metadata={
        "help": "1: webhook receivers may use plain http (else https only)"})
    webhook_allow_networks: str = field(default="", metadata={
        "help": "networks (comma-separated CIDR) webhook receivers may resolve to although "
                "they are not public, e.g. 10.20.0.0/16 for the province's own systems"})
    webhook_timeout: float = field(default=10.0, metadata={
        "help": "seconds to connect to a webhook receiver, and again to read its answer"})
    webhook_retry_seconds: float = field(default=5.0, metadata={
        "help": "first delay before a failed webhook is tried again (doubling, with jitter, "
                "up to an hour)"})
    webhook_max_age: float = field(default=259200.0, metadata={
        "help": "seconds a webhook is retried before it is given up (dead, in the log)"})
    webhook_secret_grace: float = field(default=86400.0, metadata={
        "help": "seconds after a secret rotation during which the old secret signs too"})

    @property
    def embedded(self) -> bool:
        """No Redis: jobs run in the API process itself."""
        return not self.redis_url

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: object) -> Settings:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is not None and raw != "":
                kind = type(f.default)
                values[f.name] = kind(raw) if kind in (int, float) else raw
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(variable, default, help) for the README and `motcua settings`."""
        return [(PREFIX + f.name.upper(), str(f.default), f.metadata.get("help", ""))
                for f in fields(cls)]
