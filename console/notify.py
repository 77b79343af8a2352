"""Notifications off-screen, delivered: e-mail through `KUP_SMTP_URL` and webhooks as signed
JSON POSTs, by one worker (`kup-console notify worker`, also run by the demo).

The worker, every `interval` seconds: queues "overdue" for the deadlines that passed since its
last round (`data.notifications.enqueue_overdue`, in a writer transaction), then sends every
digest that is due (`data.notifications.deliver_due`: one message per subscription and burst,
marked sent in the transaction that claimed it). SIGTERM or SIGINT ends it after the current
round.

E-mail: `smtp://user:password@host:587?starttls=1` (STARTTLS, then login when a user is
given) or `smtps://…:465` (TLS from the start); the sender is `KUP_SMTP_FROM`; the message's
`Message-ID` is `<kup-SUB-FIRST-LAST-N@kup-console>`, from the outbox rows it carries (a message
resent after a crash between the server's acceptance and the commit has the same one).

Webhook: `POST` of the JSON document (components.notifications.webhook_document), with
`X-KUP-Signature: sha256=<hex HMAC-SHA256 of the body under the subscription's secret>` (the
secret is printed once when the subscription is made) and `X-KUP-Delivery: <id>`. Any 2xx is
delivered; anything else, a timeout (10 s) or a refused connection is retried with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from components.notifications import email_text, subject, webhook_document
from console.config import Settings
from data import notifications
from data.notifications import DeliveryReport, Subscription
from rules.notifications import Digest

log = logging.getLogger("kup.notify")

TIMEOUT_S = 10.0
SIGNATURE_HEADER = "X-KUP-Signature"


class DeliveryError(RuntimeError):
    """The receiver did not take the message (retried with backoff)."""


def signature(secret: str, body: bytes) -> str:
    """The webhook's signature header value: "sha256=<hex HMAC-SHA256 of the body>"."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SmtpServer:
    """Where and how e-mail is sent, from `KUP_SMTP_URL`."""

    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    starttls: bool
    user: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        """ValueError for a URL that is not smtp:// or smtps:// with a host."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("KUP_SMTP_URL must look like smtp://user:pass@host:587?starttls=1")
        query = parse_qs(parts.query)
        flag = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes", "on")
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=flag and not tls,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def send(self, message: EmailMessage) -> None:
        """Send one message (the server's refusal or absence raises)."""
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_S, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S)
        with client:
            client.ehlo()
            if self.starttls:
                client.starttls(context=context)
                client.ehlo()
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(message)


class Sender:
    """Turns a digest into an e-mail or a webhook POST and sends it (`__call__` is the
    `data.notifications.Sender` the worker passes to `deliver_due`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.tz)

    def __call__(self, sub: Subscription, message: Digest) -> str:
        if sub.channel == "email":
            return self.email(sub, message)
        return self.webhook(sub, message)

    def email(self, sub: Subscription, message: Digest) -> str:
        if not self.settings.smtp_url:
            raise DeliveryError("KUP_SMTP_URL is not set")
        mail = EmailMessage()
        mail["From"] = self.settings.smtp_from
        mail["To"] = sub.target
        mail["Subject"] = subject(message, sub.lang)
        mail["Date"] = formatdate(localtime=False)
        message_id = f"<{message.message_key}@kup-console>"
        mail["Message-ID"] = message_id
        mail.set_content(email_text(message, self.tz, sub.lang, self.settings.public_url))
        SmtpServer.parse(self.settings.smtp_url).send(mail)
        return message_id

    def webhook(self, sub: Subscription, message: Digest) -> str:
        body = json.dumps(webhook_document(message, self.tz, sub.lang), ensure_ascii=False).encode()
        request = urllib.request.Request(
            sub.target,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: signature(sub.secret or "", body),
                "X-KUP-Delivery": message.message_key,
                "User-Agent": "kup-console",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"the receiver answered {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"the receiver is unreachable ({exc})") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"the receiver answered {status}")
        return message.message_key


class NotifyWorker:
    """The delivery worker: one round queues the passed deadlines and sends what is due."""

    def __init__(
        self, settings: Settings, writer: sessionmaker[Session], interval: float = 2.0
    ) -> None:
        self.settings = settings
        self.writer = writer
        self.interval = interval
        self.send = Sender(settings)
        self.window = timedelta(seconds=settings.notify_window_s)
        self.backoff = timedelta(seconds=settings.notify_backoff_s)

    def round(self) -> DeliveryReport:
        """Queue the deadlines passed since the last round, then send what is due."""
        with self.writer.begin() as session:
            notifications.enqueue_overdue(session)
        report = notifications.deliver_due(
            self.writer, self.send, backoff_base=self.backoff, window=self.window
        )
        if report.sent or report.failed:
            log.info(
                "notifications: %d messages sent (%d events), %d failed",
                report.sent,
                report.events_sent,
                report.failed,
            )
        return report

    def run(self, stop: threading.Event) -> None:
        """Rounds until `stop` is set; the store's trouble is logged and retried."""
        log.info("notification worker started")
        while not stop.is_set():
            try:
                self.round()
            except SQLAlchemyError as exc:
                log.warning("notification round failed (%s); retrying", type(exc).__name__)
            stop.wait(self.interval)
        log.info("notification worker stopped")
